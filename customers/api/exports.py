"""Export endpoints: the filtered customer list, one customer's sheet and the statement of account.

Files are answered as plain attachments; errors and queued jobs in the usual JSON envelope.
"""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation

from core.api.envelope import success
from core.api.schema import READ_ERRORS, enveloped, errors
from core.api.views import OrganizationViewSet
from customers.exporting.cells import CSV_CONTENT_TYPE, PDF_CONTENT_TYPE, XLSX_CONTENT_TYPE, ExportFile
from customers.exporting.customer_list import EXPORT_FORMATS, LIST_FILTERS, customer_list_export, list_filters_from
from customers.exporting.customer_sheet import SHEET_FORMATS, customer_sheet_export
from customers.exporting.services import customer_list_export_job_create, list_export_runs_as_job
from customers.exporting.statement import statement_pdf
from customers.models import ExportJob
from customers.selectors import customer_get, customer_get_detailed, customer_list

from .jobs import JobOutputSerializer, job_url
from .views import list_parameters

LIST_EXPORT_PARAMS = LIST_FILTERS | {"format"}
MEDIA_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "csv": CSV_CONTENT_TYPE.split(";")[0], "pdf": PDF_CONTENT_TYPE}


class EnvelopeNegotiation(DefaultContentNegotiation):
    """Always the JSON envelope for what DRF renders (errors, queued jobs).

    Here ``format`` names the export's file type, not a DRF renderer, and files leave as plain
    Django responses, so neither ``?format=`` nor an ``Accept: application/pdf`` may turn into a 404/406.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


class ListExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=EXPORT_FORMATS, default="xlsx")


class SheetExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=SHEET_FORMATS, default="pdf")


class StatementQuerySerializer(serializers.Serializer):
    from_date = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    to_date = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])

    def validate(self, attrs):
        if attrs.get("from_date") and attrs.get("to_date") and attrs["from_date"] > attrs["to_date"]:
            raise serializers.ValidationError({"from_date": ["from_date must be on or before to_date."]})
        return attrs


class ExportJobOutputSerializer(JobOutputSerializer):
    """The job as ``GET /jobs/{id}`` shows it, plus what was asked and where to poll."""

    export_kind = serializers.CharField(source="kind", help_text="customer_list, customer_sheet or statement.")
    format = serializers.CharField(help_text="xlsx, csv or pdf.")
    parameters = serializers.JSONField(help_text="The list filters the export was asked with.")
    url = serializers.SerializerMethodField(help_text="Poll this URL for the job's progress and its download.")

    def get_url(self, job: ExportJob) -> str:
        return job_url(self.context["request"], job)


def file_response(export: ExportFile) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=export.filename)
    # Exports hold customers' personal data: no shared cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    return response


def binary_responses(formats, description: str) -> dict:
    return {(200, MEDIA_TYPES[name]): OpenApiResponse(OpenApiTypes.BINARY, description=description) for name in formats}


JobAccepted = OpenApiResponse(
    enveloped(ExportJobOutputSerializer, name="ExportJobEnvelope", message=True),
    description="Too large to answer at once: the export runs as a job; poll `data.url` (also in `Location`).",
)
filter_parameters = [parameter for parameter in list_parameters if parameter.name not in ("page", "per_page")]


class CustomerExportViewSet(OrganizationViewSet):
    content_negotiation_class = EnvelopeNegotiation

    @extend_schema(
        summary="Export the filtered customer list (xlsx, csv or pdf)",
        description=(
            "The customers `GET /customers` lists for the same filters, as a file. Exports over "
            "`EXPORT_ASYNC_ROW_THRESHOLD` rows (5,000), and PDFs over `EXPORT_PDF_ASYNC_ROW_THRESHOLD` rows (500), "
            "run as a job: the answer is 202 with the job."
        ),
        operation_id="customers_export_list",
        parameters=[
            OpenApiParameter("format", str, enum=list(EXPORT_FORMATS), description="Default xlsx."),
            *filter_parameters,
        ],
        responses={
            **binary_responses(EXPORT_FORMATS, "The export as an attachment."),
            202: JobAccepted,
            **errors(400, *READ_ERRORS),
        },
    )
    def list_export(self, request):
        self.check_query_params(LIST_EXPORT_PARAMS)
        query = ListExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        export_format = query.validated_data["format"]
        filters = list_filters_from(request.query_params)
        # Validates the filters (400) exactly as the list does, before any job is queued.
        row_count = customer_list(organization=self.organization, filters=filters).count()
        if list_export_runs_as_job(format=export_format, row_count=row_count):
            job = customer_list_export_job_create(
                organization=self.organization,
                format=export_format,
                filters=filters,
                total_rows=row_count,
                actor=self.actor,
                api_key=request.access.api_key,
            )
            job.refresh_from_db()
            return success(
                request,
                ExportJobOutputSerializer(job, context={"request": request}).data,
                message="Export started; follow the job for its progress and download.",
                status=202,
                headers={"Location": job_url(request, job)},
            )
        export = customer_list_export(organization=self.organization, filters=filters, format=export_format)
        return file_response(export)

    @extend_schema(
        summary="Export one customer's information sheet (pdf or xlsx)",
        description="Details, contacts, billing entities and transaction history.",
        operation_id="customers_export_sheet",
        parameters=[OpenApiParameter("format", str, enum=list(SHEET_FORMATS), description="Default pdf.")],
        responses={**binary_responses(SHEET_FORMATS, "The sheet as an attachment."), **errors(400, *READ_ERRORS)},
    )
    def sheet_export(self, request, pk=None):
        self.check_query_params({"format"})
        query = SheetExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        customer = customer_get_detailed(organization=self.organization, customer_id=pk)
        return file_response(customer_sheet_export(customer=customer, format=query.validated_data["format"]))

    @extend_schema(
        summary="Statement of account (pdf)",
        description=(
            "Opening balance, every successful transaction of the period with its running balance, the closing "
            "balance and its ageing (0–30, 31–60, 61–90, over 90 days). Default period: the last 90 days up to "
            "today in the organization's timezone."
        ),
        operation_id="customers_statement_pdf",
        parameters=[
            OpenApiParameter("from_date", OpenApiTypes.DATE, description="YYYY-MM-DD, the first day included."),
            OpenApiParameter("to_date", OpenApiTypes.DATE, description="YYYY-MM-DD, the last day included."),
        ],
        responses={**binary_responses(("pdf",), "The statement as an attachment."), **errors(400, *READ_ERRORS)},
    )
    def statement(self, request, pk=None):
        self.check_query_params({"from_date", "to_date"})
        query = StatementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        customer = customer_get(organization=self.organization, customer_id=pk)
        return file_response(statement_pdf(customer=customer, **query.validated_data))
