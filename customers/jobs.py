"""Writes and reads of import/export jobs: their state moves only through these functions."""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone

from accounts.models import Organization
from core.exceptions import NotFound

from .models import ExportJob, ImportJob, JobBase, JobStatus

logger = logging.getLogger("customerhub.tasks")

# What a job that lost its worker says, by kind and by how far it got.
STALE_JOB_MESSAGES: dict[type[JobBase], dict[str, str]] = {
    ImportJob: {
        JobStatus.RUNNING: (
            "The import stopped: the worker running it ended without finishing (it was restarted or ran "
            "out of memory). Rows of completed batches were saved (see processed_rows); importing the same "
            "file again completes it without duplicates."
        ),
        JobStatus.QUEUED: (
            "The import never started: no worker took it from the queue. Nothing was imported; import the file again."
        ),
    },
    ExportJob: {
        JobStatus.RUNNING: (
            "The export stopped: the worker running it ended without finishing (it was restarted or ran "
            "out of memory). Start the export again, or narrow the filters."
        ),
        JobStatus.QUEUED: "The export never started: no worker took it from the queue. Start the export again.",
    },
}


def job_mark_running(*, job: JobBase, total_rows: int = 0) -> None:
    job.status = JobStatus.RUNNING
    job.started_at = timezone.now()
    job.total_rows = total_rows
    job.save(update_fields=["status", "started_at", "total_rows"])


def job_progress(*, job: JobBase, processed_rows: int) -> None:
    """Record how far a running job got; written outside the work's own transaction so pollers see it."""
    job.processed_rows = processed_rows
    job.progress = min(99, int(processed_rows * 100 / job.total_rows)) if job.total_rows else 0
    type(job).objects.filter(pk=job.pk).update(processed_rows=job.processed_rows, progress=job.progress)


# How often work that reports after every batch records it: a progress bar polled every second
# needs no more, and the fifty batches of a 100,000-row export then do not each wait for a write.
PROGRESS_WRITE_INTERVAL_S = 0.5


def job_progress_recorder(*, job: JobBase) -> Callable[[int], None]:
    """``job_progress`` for work that reports often: the first report is recorded, then one every
    ``PROGRESS_WRITE_INTERVAL_S``; the job's end records the rest (``job_succeed``).

    Not for imports, whose recorded ``processed_rows`` says which batches were saved.
    """
    last_written: float | None = None

    def record(processed_rows: int) -> None:
        nonlocal last_written
        now = time.monotonic()
        if last_written is None or now - last_written >= PROGRESS_WRITE_INTERVAL_S:
            last_written = now
            job_progress(job=job, processed_rows=processed_rows)

    return record


def job_succeed(
    *, job: JobBase, result_name: str | None = None, result_content: bytes | None = None, **fields: Any
) -> None:
    if result_name and result_content is not None:
        job.result_file.save(result_name, ContentFile(result_content), save=False)
    for field, value in fields.items():
        setattr(job, field, value)
    job.status = JobStatus.SUCCEEDED
    job.progress = 100
    job.processed_rows = max(job.processed_rows, job.total_rows)
    job.finished_at = timezone.now()
    job.save()


def job_fail(*, job: JobBase, message: str, **fields: Any) -> None:
    for field, value in fields.items():
        setattr(job, field, value)
    job.status = JobStatus.FAILED
    job.error_message = message
    job.finished_at = timezone.now()
    type(job).objects.filter(pk=job.pk).update(
        status=job.status,
        error_message=message,
        finished_at=job.finished_at,
        processed_rows=F("processed_rows"),
        **fields,
    )


def jobs_fail_stale(*, stale_after: timedelta, now: datetime | None = None) -> list[JobBase]:
    """Mark failed the jobs whose worker is gone: running, or still queued, for longer than ``stale_after``.

    A worker that is killed (out of memory, a restart, a lost host) never reports back, so its job
    would show "running" forever. Each job is failed only if it is still in the state it was found
    in, so a job that finishes meanwhile keeps its result.
    """
    now = now or timezone.now()
    cutoff = now - stale_after
    failed: list[JobBase] = []
    for model, messages in STALE_JOB_MESSAGES.items():
        stale = {
            JobStatus.RUNNING: model.objects.filter(status=JobStatus.RUNNING, started_at__lt=cutoff),
            JobStatus.QUEUED: model.objects.filter(status=JobStatus.QUEUED, created_at__lt=cutoff),
        }
        for state, jobs in stale.items():
            for job in jobs.order_by("created_at"):
                updated = model.objects.filter(pk=job.pk, status=state).update(
                    status=JobStatus.FAILED, error_message=messages[state], finished_at=now
                )
                if updated:
                    logger.warning(
                        "%s %s had been %s for longer than %s; marked failed",
                        model.__name__,
                        job.pk,
                        state,
                        stale_after,
                    )
                    job.refresh_from_db()
                    failed.append(job)
    return failed


def job_get(*, organization: Organization, job_id: Any) -> JobBase:
    """An import or export job of ``organization``; another organization's id answers like a missing one."""
    for model in (ImportJob, ExportJob):
        try:
            return model.objects.get(organization=organization, pk=job_id)
        except (model.DoesNotExist, ValueError, TypeError):
            continue
        except Exception as exc:  # a malformed UUID raises ValidationError on some backends
            from django.core.exceptions import ValidationError

            if isinstance(exc, ValidationError):
                continue
            raise
    raise NotFound("Job not found")
