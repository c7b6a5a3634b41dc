"""The import wizard (SPEC §9): upload → preview of the dry run → confirm → progress → result.

The pages drive the import engine the API uses (customers.importing.runner): the preview is an
ImportJob dry run and the confirmation an ImportJob of the real import, both started with
``import_start``, so the same row threshold decides what runs in the background. The dry run
always runs in skip_invalid mode, so the preview can say what the valid rows would do; the mode
the user picks applies to the real import.

Between preview and confirmation the uploaded sheet is kept as a draft
(customers.importing.drafts): only its uploader, in that organization, can confirm it, and
confirming removes it.
"""

import datetime as dt
import mimetypes
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh
from openpyxl.utils import get_column_letter

from accounts.models import Organization, Role
from core.exceptions import NotFound
from core.web import HANDLED_ERRORS, apply_errors, organization_required
from customers.forms import ImportConfirmForm, ImportUploadForm
from customers.importing.columns import map_columns
from customers.importing.drafts import import_draft_discard, import_draft_keep, import_draft_read
from customers.importing.files import ImportFileTooLarge, content_of, read_table
from customers.importing.reports import XLSX_CONTENT_TYPE, template_xlsx
from customers.importing.runner import ImportOptions, import_start
from customers.jobs import job_get
from customers.models import ImportJob, JobStatus
from customers.services.imports import ImportMode

# Room for the multipart envelope and the small form fields around the file (as the API allows).
MULTIPART_OVERHEAD = 64 * 1024
# The preview shows the sheet's first rows, then invalid rows further down, up to these numbers.
PREVIEW_ROWS = 50
PREVIEW_LATER_INVALID_ROWS = 50
# The page lists this many problems; the error report (.xlsx) has every one.
LISTED_ERRORS = 100
REPORT_COUNTS = ("total_rows", "created", "updated", "unchanged", "skipped", "opening_balances", "error_count")


def _too_large() -> ImportFileTooLarge:
    megabytes = settings.IMPORT_MAX_BYTES / (1024 * 1024)
    return ImportFileTooLarge(f"The file is larger than {megabytes:g} MB; split it into smaller files.")


def _declared_too_large(request: HttpRequest) -> bool:
    declared = request.META.get("CONTENT_LENGTH") or ""
    return declared.isdigit() and int(declared) > settings.IMPORT_MAX_BYTES + MULTIPART_OVERHEAD


def _chosen_mode(value: Any) -> str:
    return value if value in ImportMode.values else ImportMode.ALL_OR_NOTHING.value


# ---------------------------------------------------------------------------------------------
# Jobs of the wizard


def _import_job_get(*, organization: Organization, job_id: Any) -> ImportJob:
    job = job_get(organization=organization, job_id=job_id)
    if not isinstance(job, ImportJob):
        raise NotFound("Import not found")
    return job


def _dry_run_get(*, organization: Organization, user: AbstractBaseUser, job_id: Any) -> ImportJob:
    """A preview belongs to whoever uploaded the file; anyone else gets the same not-found."""
    job = _import_job_get(organization=organization, job_id=job_id)
    if not job.options.get("dry_run") or job.created_by_id != user.pk:
        raise NotFound("Import preview not found")
    return job


def _job_file_url(job: ImportJob) -> str | None:
    return reverse("import_job_errors", kwargs={"job_id": job.pk}) if job.result_file else None


def _job_counts(job: ImportJob) -> dict[str, int]:
    report = job.report or {}
    return {name: report[name] for name in REPORT_COUNTS if name in report}


# ---------------------------------------------------------------------------------------------
# The preview of the sheet


@dataclass
class PreviewColumn:
    letter: str
    header: str
    ignored: bool


@dataclass
class PreviewCell:
    letter: str
    value: str
    errors: list[str]


@dataclass
class PreviewRow:
    number: int
    cells: list[PreviewCell]
    errors: list[str]  # problems of the row that belong to no column of the sheet
    gap_before: bool

    @property
    def invalid(self) -> bool:
        return bool(self.errors) or any(cell.errors for cell in self.cells)


@dataclass
class SheetPreview:
    columns: list[PreviewColumn]
    rows: list[PreviewRow] = field(default_factory=list)
    hidden_rows: int = 0


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet_preview(*, job: ImportJob, content: bytes) -> SheetPreview:
    """The sheet's first rows, then its invalid rows further down, each cell with its problems."""
    table = read_table(name=job.original_name, content=content)
    column_map = map_columns(table.headers)
    columns = [
        PreviewColumn(letter=get_column_letter(index + 1), header=header, ignored=mapped is None)
        for index, (header, mapped) in enumerate(zip(column_map.headers, column_map.fields, strict=True))
    ]
    cell_errors: dict[tuple[int, str], list[str]] = defaultdict(list)
    row_errors: dict[int, list[str]] = defaultdict(list)
    for error in job.report.get("errors", []):
        if error.get("row") is None:
            continue
        if error.get("column"):
            cell_errors[(error["row"], error["column"])].append(error["message"])
        else:
            row_errors[error["row"]].append(f"{error['field']}: {error['message']}")
    invalid_rows = {row for row, _ in cell_errors} | set(row_errors)
    last_invalid = max(invalid_rows, default=0)

    preview = SheetPreview(columns=columns)
    leading = later_invalid = passed_over = 0
    for number, values in table.rows():
        if leading < PREVIEW_ROWS:
            leading += 1
        elif number in invalid_rows and later_invalid < PREVIEW_LATER_INVALID_ROWS:
            later_invalid += 1
        else:
            passed_over += 1
            if number >= last_invalid or later_invalid >= PREVIEW_LATER_INVALID_ROWS:
                break
            continue
        cells = [
            PreviewCell(
                letter=column.letter,
                value=_cell_text(values[index] if index < len(values) else None),
                errors=cell_errors.get((number, column.letter), []),
            )
            for index, column in enumerate(columns)
        ]
        preview.rows.append(
            PreviewRow(number=number, cells=cells, errors=row_errors.get(number, []), gap_before=passed_over > 0)
        )
        passed_over = 0
    preview.hidden_rows = max(job.report.get("total_rows", 0) - len(preview.rows), 0)
    return preview


# ---------------------------------------------------------------------------------------------
# Pages


@organization_required(role=Role.CLERK)
def import_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: the file and its options; a refused file is answered beside the file field."""
    organization = request.organization
    if request.method != "POST":
        form = ImportUploadForm(organization=organization)
        return render(request, "imports/upload.html", {"form": form, "step": 1})
    if _declared_too_large(request):
        # Refused before the body is read, so an oversized upload never reaches the disk.
        form = ImportUploadForm({"mode": ImportMode.ALL_OR_NOTHING.value}, organization=organization)
        form.is_valid()
        form.errors.pop("file", None)
        apply_errors(error=_too_large(), form=form)
        return render(request, "imports/upload.html", {"form": form, "step": 1}, status=413)
    form = ImportUploadForm(request.POST, request.FILES, organization=organization)
    if not form.is_valid():
        return render(request, "imports/upload.html", {"form": form, "step": 1}, status=400)
    upload = form.cleaned_data["file"]
    try:
        if upload.size is not None and upload.size > settings.IMPORT_MAX_BYTES:
            raise _too_large()
        content = content_of(upload)
        job = import_start(
            organization=organization,
            actor=request.user,
            name=upload.name or "upload",
            content=content,
            options=form.dry_run_options(),
        )
    except HANDLED_ERRORS as exc:
        apply_errors(error=exc, form=form)
        status = getattr(exc, "status_code", 400)
        return render(request, "imports/upload.html", {"form": form, "step": 1}, status=status)
    import_draft_keep(job=job, content=content)
    preview_url = reverse("import_preview", kwargs={"job_id": job.pk})
    return redirect(f"{preview_url}?mode={form.cleaned_data['mode']}")


@require_GET
@organization_required(role=Role.CLERK)
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_xlsx(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="customer-import-template.xlsx"'
    return response


@require_GET
@organization_required(role=Role.CLERK)
def import_preview(request: HttpRequest, job_id) -> HttpResponse:
    """Step 2: what the dry run found; a large file's dry run runs as a job and is polled first."""
    job = _dry_run_get(organization=request.organization, user=request.user, job_id=job_id)
    if not job.is_finished:
        if request.htmx:
            return render(request, "imports/partials/checking.html", {"job": job})
        return render(request, "imports/preview.html", {"job": job, "step": 2, "checking": True})
    if request.htmx:
        # The dry run has finished: the whole page changes, so it is loaded again.
        return HttpResponseClientRefresh()
    context: dict[str, Any] = {"job": job, "step": 2, "report": job.report or {}}
    if job.status == JobStatus.FAILED:
        # A refused or broken sheet can never be confirmed: it is not kept.
        import_draft_discard(job=job)
    content = import_draft_read(job=job) if job.status == JobStatus.SUCCEEDED else None
    if content is not None:
        try:
            context["sheet"] = _sheet_preview(job=job, content=content)
        except HANDLED_ERRORS as exc:
            content = None
            apply_errors(error=exc, request=request)
        context["form"] = ImportConfirmForm(initial={"mode": _chosen_mode(request.GET.get("mode"))})
    report = context["report"]
    errors = report.get("errors", [])
    context.update(
        awaiting_confirmation=content is not None,
        errors=errors[:LISTED_ERRORS],
        unlisted_errors=max(report.get("error_count", 0) - min(len(errors), LISTED_ERRORS), 0),
        valid_rows=max(report.get("total_rows", 0) - report.get("skipped", 0), 0),
        error_report_url=_job_file_url(job),
    )
    return render(request, "imports/preview.html", context)


@require_POST
@organization_required(role=Role.CLERK)
def import_confirm(request: HttpRequest, job_id) -> HttpResponse:
    """Step 3: import the previewed sheet for real, with the mode chosen on the preview."""
    organization = request.organization
    preview = _dry_run_get(organization=organization, user=request.user, job_id=job_id)
    preview_url = reverse("import_preview", kwargs={"job_id": preview.pk})
    form = ImportConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what to do with invalid rows, then confirm again.")
        return redirect(preview_url)
    if preview.status != JobStatus.SUCCEEDED:
        # Only a preview that was shown in full can be confirmed.
        return redirect(preview_url)
    content = import_draft_read(job=preview)
    if content is None:
        messages.error(request, "This file was already imported (or its preview has expired); upload it again.")
        return redirect("import")
    mode = form.cleaned_data["mode"]
    try:
        options = ImportOptions.from_json(
            organization=organization, data={**preview.options, "dry_run": False, "mode": mode}
        )
        job = import_start(
            organization=organization, actor=request.user, name=preview.original_name, content=content, options=options
        )
    except HANDLED_ERRORS as exc:
        apply_errors(error=exc, request=request)
        return redirect(f"{preview_url}?mode={mode}")
    import_draft_discard(job=preview)
    return redirect("import_job", job_id=job.pk)


@require_GET
@organization_required(role=Role.CLERK)
def import_job(request: HttpRequest, job_id) -> HttpResponse:
    """Steps 3 and 4: the progress of an import while it runs, then its result.

    htmx polls the status part every second while the job is queued or running; without
    JavaScript the page refreshes itself. Asked for JSON, it answers the job's state.
    """
    job = _import_job_get(organization=request.organization, job_id=job_id)
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        return JsonResponse(
            {
                "id": str(job.pk),
                "status": job.status,
                "finished": job.is_finished,
                "progress": job.progress,
                "processed_rows": job.processed_rows,
                "total_rows": job.total_rows,
                "dry_run": bool(job.options.get("dry_run")),
                "mode": job.options.get("mode"),
                "counts": _job_counts(job),
                "error_message": job.error_message,
                "error_report_url": _job_file_url(job),
            }
        )
    report = job.report or {}
    context = {
        "job": job,
        "step": 3,
        "report": report,
        "errors": report.get("errors", [])[:LISTED_ERRORS],
        "unlisted_errors": max(report.get("error_count", 0) - LISTED_ERRORS, 0),
        "error_report_url": _job_file_url(job),
        # all_or_nothing writes no row of a file that has an invalid one.
        "nothing_written": bool(report.get("error_count") and report.get("mode") == ImportMode.ALL_OR_NOTHING),
    }
    template = "imports/partials/job_status.html" if request.htmx else "imports/job.html"
    return render(request, template, context)


@require_GET
@organization_required(role=Role.CLERK)
def import_job_errors(request: HttpRequest, job_id) -> HttpResponse:
    """The error report of an import or of its preview (.xlsx: row, column, field, message)."""
    job = _import_job_get(organization=request.organization, job_id=job_id)
    if not job.result_file:
        raise NotFound("This import has no error report.")
    name = PurePosixPath(job.result_file.name).name
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound("The error report is no longer available.") from exc
    content_type = mimetypes.guess_type(name)[0] or XLSX_CONTENT_TYPE
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
