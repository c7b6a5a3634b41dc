"""The customer importer used by the API, the back-office pages and admin (SPEC §9).

``files`` reads and checks an upload, ``columns`` maps its headers to fields (taken from
customers.resources), ``runner`` runs it (in the request or as an ImportJob) through
customers.services.customer_bulk_upsert, and ``reports`` builds the template and error report.
"""
