"""Writes and reads of import/export jobs: their state moves only through these functions."""

from typing import Any

from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone

from accounts.models import Organization
from core.exceptions import NotFound

from .models import ExportJob, ImportJob, JobBase, JobStatus


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
