"""Celery tasks of the customers app (found by config/celery.py's autodiscovery)."""

import logging

from celery import shared_task
from django.db import DatabaseError

from core.tasks import JobTask

from .jobs import job_fail
from .models import ImportJob, JobBase

logger = logging.getLogger("customerhub.tasks")

GAVE_UP_MESSAGE = (
    "The job stopped after several attempts because the database or the job queue stayed unavailable. "
    "Rows of completed batches were saved; start it again to finish it."
)


class CustomerJobTask(JobTask):
    """A task that fills in one job row (its first argument): when every attempt failed, the job says so."""

    job_model: type[JobBase] | None = None

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        job_id = args[0] if args else kwargs.get("job_id")
        if self.job_model is None:
            return
        try:
            job = self.job_model.objects.filter(pk=job_id).first()
            if job is not None and not job.is_finished:
                job_fail(job=job, message=GAVE_UP_MESSAGE)
        except DatabaseError:
            logger.exception("Could not record that job %s gave up", job_id)


@shared_task(name="customers.import_customers", base=CustomerJobTask, job_model=ImportJob)
def import_customers(job_id: str) -> None:
    """Run a queued ImportJob; re-running one that died midway is safe (re-imported rows change nothing)."""
    from .importing.runner import import_job_run

    import_job_run(job_id=job_id)
