"""Export jobs: a large list export becomes an ``ExportJob`` row that a Celery task fills in."""

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import ApiKey, Organization
from core.tasks import TRANSIENT_ERRORS, enqueue
from customers.jobs import job_fail, job_mark_running, job_progress_recorder, job_succeed
from customers.models import ExportJob, ExportKind
from customers.selectors import customer_list

from .customer_list import customer_list_export
from .pdf import PdfRenderFailed

logger = logging.getLogger("customerhub.exports")


def list_export_runs_as_job(*, format: str, row_count: int) -> bool:
    """Whether a list export is too large to answer in the request (PDFs are far slower per row)."""
    threshold = settings.EXPORT_PDF_ASYNC_ROW_THRESHOLD if format == "pdf" else settings.EXPORT_ASYNC_ROW_THRESHOLD
    return row_count > threshold


@transaction.atomic
def customer_list_export_job_create(
    *,
    organization: Organization,
    format: str,
    filters: Mapping[str, str],
    total_rows: int = 0,
    actor: AbstractBaseUser | None = None,
    api_key: ApiKey | None = None,
) -> ExportJob:
    """Queue the export of the filtered customer list; the task starts once this transaction commits."""
    from .tasks import export_customer_list

    job = ExportJob(
        organization=organization,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        api_key=api_key,
        kind=ExportKind.CUSTOMER_LIST,
        format=format,
        parameters={"filters": dict(filters)},
        total_rows=total_rows,
    )
    job.full_clean()
    job.save()
    enqueue(export_customer_list, str(job.pk))
    return job


def customer_list_export_job_run(*, job: ExportJob) -> None:
    """Write the export of ``job``, recording progress as batches finish; a failure is recorded, not raised."""
    if job.is_finished:
        # A redelivered task (acks_late) does not redo a finished export.
        return
    filters: dict[str, Any] = job.parameters.get("filters", {})
    try:
        total = customer_list(organization=job.organization, filters=filters).count()
        job_mark_running(job=job, total_rows=total)
        export = customer_list_export(
            organization=job.organization,
            filters=filters,
            format=job.format,
            on_progress=job_progress_recorder(job=job),
        )
        job_succeed(job=job, result_name=export.filename, result_content=export.content)
    except ValidationError as exc:
        job_fail(job=job, message="; ".join(exc.messages))
    except PdfRenderFailed as exc:
        job_fail(job=job, message=exc.message)
    except TRANSIENT_ERRORS:
        raise  # the task retries it from the start
    except Exception:
        logger.exception("Export job %s failed", job.pk)
        job_fail(job=job, message="The export failed unexpectedly; try again, or narrow the filters.")
