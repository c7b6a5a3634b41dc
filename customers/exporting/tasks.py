"""Celery tasks of the exports (found by config/celery.py's autodiscovery of customers.exporting)."""

from celery import shared_task

from customers.models import ExportJob
from customers.tasks import CustomerJobTask

from .services import customer_list_export_job_run


@shared_task(name="customers.export_customer_list", base=CustomerJobTask, job_model=ExportJob)
def export_customer_list(job_id: str) -> None:
    """Write a queued ExportJob's file; a redelivered task whose job is finished does nothing."""
    job = ExportJob.objects.select_related("organization").filter(pk=job_id).first()
    if job is None:
        return
    customer_list_export_job_run(job=job)
