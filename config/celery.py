"""Celery: long imports and exports run here when CELERY_BROKER_URL is set, eagerly in-process otherwise."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("customerhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Export tasks live in a package of the customers app, beside its own tasks module.
app.autodiscover_tasks(["customers.exporting"])


@signals.task_prerun.connect
def _open_task_log_context(task_id=None, task=None, args=None, **kwargs):
    """A task's log lines carry the task, its id and, for a job task, the job it fills in."""
    from core.logging import open_log_context
    from core.tasks import JobTask

    if task is None or task.request.is_eager:
        return  # run inside a request (no broker): the request's context stays
    job_id = args[0] if args and isinstance(task, JobTask) else None
    open_log_context(task=getattr(task, "name", None), task_id=task_id, job_id=job_id)


@signals.task_postrun.connect
def _close_task_log_context(task=None, **kwargs):
    from core.logging import close_log_context

    if task is not None and not task.request.is_eager:
        close_log_context()
