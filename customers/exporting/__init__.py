"""Exports of customers: the filtered list (xlsx, csv, pdf), one customer's sheet and statements.

The list export reads through ``customers.selectors.customer_list`` with the list's own filter
set, so an export holds exactly the rows the list shows. Large exports run as ``ExportJob`` rows
in a Celery task (``customers.exporting.tasks``); small ones are answered in the request.
"""
