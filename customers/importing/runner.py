"""Running an import: small files in the request, large ones as an ImportJob in Celery."""

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Branch, Organization
from core.exceptions import NotFound
from core.tasks import TRANSIENT_ERRORS, enqueue

from ..jobs import job_fail, job_mark_running, job_progress, job_succeed
from ..models import Category, ImportJob, JobStatus
from ..services.bulk import bulk_write_cache
from ..services.imports import ImportMode, ImportResult, ImportRow, customer_bulk_upsert
from .columns import ColumnMap, map_columns
from .files import ImportFileRefused, read_table
from .reports import error_report_xlsx

logger = logging.getLogger("customerhub.imports")

# The report carries this many errors; the downloadable error report has them all.
REPORTED_ERRORS = 1000
ERROR_REPORT_NAME = "import-errors.xlsx"


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = False
    mode: str = ImportMode.ALL_OR_NOTHING
    category: Category | None = None
    branch: Branch | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "mode": str(self.mode),
            "category_id": self.category.pk if self.category else None,
            "branch_code": self.branch.code if self.branch else None,
        }

    @classmethod
    def from_json(cls, *, organization: Organization, data: dict[str, Any]) -> "ImportOptions":
        from accounts.selectors import branch_get_by_code

        from ..selectors import lookup_get

        try:
            category = (
                lookup_get(model=Category, organization=organization, item_id=data["category_id"])
                if data.get("category_id")
                else None
            )
            branch = (
                branch_get_by_code(organization=organization, code=data["branch_code"])
                if data.get("branch_code")
                else None
            )
        except NotFound as exc:
            raise ImportFileRefused(f"{exc.message} (it was removed after the import was queued).") from exc
        mode = data.get("mode") or ImportMode.ALL_OR_NOTHING
        return cls(dry_run=bool(data.get("dry_run")), mode=mode, category=category, branch=branch)


@dataclass
class ImportOutcome:
    report: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)


def _report(result: ImportResult, columns: ColumnMap) -> ImportOutcome:
    errors = [
        {
            "row": error.row,
            "field": columns.header_for(error.field),
            "column": columns.letter_for(error.field),
            "message": error.message,
        }
        for error in result.errors
    ]
    report = {
        "total_rows": result.total_rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "skipped": result.skipped,
        "opening_balances": result.opening_balances,
        "errors": errors[:REPORTED_ERRORS],
        "error_count": len(errors),
        "ignored_columns": columns.ignored,
        "dry_run": result.dry_run,
        "mode": str(result.mode),
    }
    return ImportOutcome(report=report, errors=errors)


def import_run(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    name: str,
    content: bytes,
    options: ImportOptions,
    progress=None,
) -> ImportOutcome:
    """Read ``content`` and upsert its rows; refusals of the file raise ImportFileRefused."""
    # Counting the rows first would read the whole sheet once more; the limit is kept while reading.
    table = read_table(name=name, content=content, estimate=False)
    columns = map_columns(table.headers)
    rows = (ImportRow(number, columns.values(cells)) for number, cells in table.rows())
    with bulk_write_cache():
        result = customer_bulk_upsert(
            organization=organization,
            actor=actor,
            rows=rows,
            defaults={"branch": options.branch, "category": options.category},
            mode=options.mode,
            dry_run=options.dry_run,
            description=f"Opening balance (import of {name})"[:500],
            progress=progress,
        )
    return _report(result, columns)


def import_start(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    api_key=None,
    name: str,
    content: bytes,
    options: ImportOptions,
) -> ImportJob:
    """Import ``content`` now, or queue it when it holds more rows than IMPORT_ASYNC_ROW_THRESHOLD.

    Either way the import is recorded as an ImportJob; a finished one carries the report (and the
    error report file when rows were invalid). The file is checked before anything is queued, so
    a refused file answers at once and leaves no job behind.
    """
    actor = actor if actor is not None and actor.is_authenticated else None
    table = read_table(name=name, content=content)
    map_columns(table.headers)
    if not table.has_data_rows:
        raise ImportFileRefused("The sheet has its header row but no customers under it: fill in at least one row.")
    job = ImportJob(
        organization=organization,
        created_by=actor,
        api_key=api_key,
        original_name=name[:255],
        options=options.as_json(),
        total_rows=table.estimated_rows,
    )
    if table.estimated_rows > settings.IMPORT_ASYNC_ROW_THRESHOLD:
        from ..tasks import import_customers

        with transaction.atomic():
            # The queue is checked before the file is stored: a refusal (503) leaves nothing behind.
            enqueue(import_customers, str(job.pk))
            job.source_file.save(name, ContentFile(content), save=False)
            job.save()
        return job

    started = timezone.now()
    outcome = import_run(organization=organization, actor=actor, name=name, content=content, options=options)
    if outcome.errors:
        job.result_file.save(ERROR_REPORT_NAME, ContentFile(error_report_xlsx(outcome.errors)), save=False)
    job.status = JobStatus.SUCCEEDED
    job.progress = 100
    job.total_rows = job.processed_rows = outcome.report["total_rows"]
    job.report = outcome.report
    job.started_at, job.finished_at = started, timezone.now()
    job.save()
    return job


def import_job_run(*, job_id: str) -> None:
    """The body of the Celery task: run a queued import and record its report on the job."""
    job = ImportJob.objects.select_related("organization", "created_by").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return  # a redelivered task (acks_late) does not redo a finished import
    job_mark_running(job=job, total_rows=job.total_rows)
    try:
        options = ImportOptions.from_json(organization=job.organization, data=job.options)
        with job.source_file.open("rb") as source:
            content = source.read()
        outcome = import_run(
            organization=job.organization,
            actor=job.created_by,
            name=job.original_name,
            content=content,
            options=options,
            progress=lambda done: job_progress(job=job, processed_rows=done),
        )
    except ImportFileRefused as exc:
        job_fail(
            job=job, message=exc.message, report={"errors": [{"row": None, "field": "file", "message": exc.message}]}
        )
        return
    except TRANSIENT_ERRORS:
        raise  # the task retries it; completed batches are matched, not duplicated, on the next attempt
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        # Batches already written stay; importing the same file again finishes the rest without duplicates.
        job_fail(
            job=job,
            message=(
                "The import stopped because of an unexpected error. Rows of completed batches were saved "
                "(see processed_rows); importing the same file again completes it without duplicates."
            ),
        )
        return
    report = outcome.report
    # The uploaded sheet is customer data: once imported, only the report and error file are kept.
    job.source_file.delete(save=False)
    job_succeed(
        job=job,
        result_name=ERROR_REPORT_NAME if outcome.errors else None,
        result_content=error_report_xlsx(outcome.errors) if outcome.errors else None,
        report=report,
        total_rows=report["total_rows"],
    )
