"""POST /customers/import and GET /customers/import/template.xlsx (SPEC §9)."""

from django.conf import settings
from django.http import HttpResponse
from django.template.defaultfilters import pluralize
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser

from core.api.envelope import success
from core.api.schema import WRITE_ERRORS, enveloped, errors
from core.api.views import OrganizationViewSet
from customers.importing.files import ImportFileTooLarge, content_of
from customers.importing.reports import XLSX_CONTENT_TYPE, template_xlsx
from customers.importing.runner import ImportOptions, import_start
from customers.services.imports import ImportMode

from .jobs import JobOutputSerializer, job_file_url, job_url
from .serializers import customer_fields_from_input

# Room for the multipart envelope and the small form fields around the file.
MULTIPART_OVERHEAD = 64 * 1024


def _too_large() -> ImportFileTooLarge:
    limit = settings.IMPORT_MAX_BYTES / (1024 * 1024)
    return ImportFileTooLarge(f"The file is larger than {limit:g} MB; split it into smaller files.")


class CustomerImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="An .xlsx or .csv file (UTF-8), at most 20 MB.")
    category_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="Category of the rows without their own."
    )
    branch_id = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="Branch code of the rows without their own."
    )
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Validate only; write nothing.")
    mode = serializers.ChoiceField(
        choices=ImportMode.choices,
        required=False,
        default=ImportMode.ALL_OR_NOTHING,
        help_text="all_or_nothing: any invalid row means nothing is written; skip_invalid: write the valid rows.",
    )


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="The row number as the sheet shows it (header = 1).")
    field = serializers.CharField(help_text="The column header as written in the file.")
    column = serializers.CharField(required=False, help_text="The column letter (A, B, ...).")
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    total_rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField(help_text="Rows that matched a customer and changed nothing.")
    skipped = serializers.IntegerField(help_text="Rows not written (invalid, or all when all_or_nothing failed).")
    opening_balances = serializers.IntegerField(help_text="Opening-balance transactions recorded.")
    errors = ImportErrorSerializer(many=True, help_text="At most 1,000; the error report file has them all.")
    error_count = serializers.IntegerField()
    ignored_columns = serializers.ListField(child=serializers.CharField())
    dry_run = serializers.BooleanField()
    mode = serializers.CharField()
    job_id = serializers.UUIDField()
    error_report_url = serializers.CharField(allow_null=True, help_text="The errors as .xlsx (row, field, message).")


def import_report_message(report: dict) -> str:
    """The envelope's message: what the import did, so that a rejected file never reads as done."""
    problems = report.get("error_count", 0)
    found = f"{problems} problem{pluralize(problems)}" if problems else "no problems"
    if report.get("dry_run"):
        return f"Dry run completed: {found} found; nothing was written"
    if problems and report.get("mode") == ImportMode.ALL_OR_NOTHING:
        return f"Nothing was imported: the file has {found} and the mode is all_or_nothing"
    skipped = report.get("skipped", 0)
    if skipped:
        return f"Import completed; {skipped} invalid row{pluralize(skipped)} skipped"
    return "Import completed"


REPORT_EXAMPLE = OpenApiExample(
    "Import completed",
    response_only=True,
    status_codes=["200"],
    value={
        "status": "success",
        "message": "Import completed",
        "data": {
            "total_rows": 3,
            "created": 2,
            "updated": 0,
            "unchanged": 0,
            "skipped": 1,
            "opening_balances": 1,
            "errors": [{"row": 4, "field": "Phone Number", "column": "B", "message": "Enter a valid phone number."}],
            "error_count": 1,
            "ignored_columns": [],
            "dry_run": False,
            "mode": "skip_invalid",
            "job_id": "6f1c3e0a-8f5e-4a53-9f3e-2b1f6c7d8e9f",
            "error_report_url": "https://hub.example.com/api/v1/jobs/6f1c3e0a-8f5e-4a53-9f3e-2b1f6c7d8e9f/file",
        },
        "meta": {"timestamp": "2025-01-17T10:00:00Z", "request_id": "req_3f2a…"},
    },
)


class CustomerImportViewSet(OrganizationViewSet):
    parser_classes = [MultiPartParser, FormParser]
    error_field_aliases = {"branch": "branch_id", "category": "category_id"}

    def _check_declared_size(self) -> None:
        # Refuse before Django spools a huge body to disk.
        declared = self.request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > settings.IMPORT_MAX_BYTES + MULTIPART_OVERHEAD:
            raise _too_large()

    @extend_schema(
        summary="Import customers from an .xlsx or .csv file",
        description=(
            "Rows whose customer_no (else tax ID) matches a customer update it; others create one. `Unpaid Amount` "
            "or `Opening Balance` becomes an opening-balance transaction. Files of more than "
            "IMPORT_ASYNC_ROW_THRESHOLD rows (2,000) are imported as a job: the answer is 202 with the job to poll "
            "at /jobs/{id}."
        ),
        request={"multipart/form-data": CustomerImportInputSerializer},
        responses={
            200: enveloped(ImportReportSerializer, name="CustomerImportReportEnvelope", message=True),
            202: enveloped(JobOutputSerializer, name="CustomerImportJobEnvelope", message=True),
            **errors(*WRITE_ERRORS),
        },
        examples=[REPORT_EXAMPLE],
    )
    def create(self, request):
        self._check_declared_size()
        serializer = CustomerImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        references = {key: data[key] for key in ("category_id", "branch_id") if data.get(key) not in (None, "")}
        fields = customer_fields_from_input(organization=self.organization, data=references)
        options = ImportOptions(
            dry_run=data["dry_run"], mode=data["mode"], category=fields.get("category"), branch=fields.get("branch")
        )
        upload = data["file"]
        if upload.size is not None and upload.size > settings.IMPORT_MAX_BYTES:
            raise _too_large()
        job = import_start(
            organization=self.organization,
            actor=self.actor,
            api_key=request.access.api_key,
            name=upload.name or "upload",
            content=content_of(upload),
            options=options,
        )
        if not job.is_finished:
            return success(
                request,
                JobOutputSerializer(job, context={"request": request}).data,
                message="Import started; follow the job for its progress",
                status=202,
                headers={"Location": job_url(request, job)},
            )
        report = {
            **job.report,
            "job_id": job.pk,
            "error_report_url": job_file_url(request, job) if job.result_file else None,
        }
        return success(request, ImportReportSerializer(report).data, message=import_report_message(job.report))

    @extend_schema(
        summary="Download the import template (.xlsx)",
        description="Every supported column with an example row, and a second sheet explaining each column.",
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The template workbook."),
            **errors(401, 403, 429),
        },
    )
    def template(self, request):
        response = HttpResponse(template_xlsx(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="customer-import-template.xlsx"'
        return response
