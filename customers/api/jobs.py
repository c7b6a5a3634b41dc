"""GET /jobs/{id} and GET /jobs/{id}/file: import and export jobs of the caller's organization."""

import mimetypes
from pathlib import PurePosixPath

from django.http import FileResponse
from django.urls import get_script_prefix
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers

from core.api.envelope import success
from core.api.schema import READ_ERRORS, enveloped, errors
from core.api.views import OrganizationViewSet
from core.exceptions import NotFound
from customers.jobs import job_get
from customers.models import ImportJob, JobBase

IMPORT_COUNTS = ("created", "updated", "unchanged", "skipped", "opening_balances", "error_count")


def job_url(request, job: JobBase) -> str:
    return request.build_absolute_uri(f"{get_script_prefix()}api/v1/jobs/{job.pk}")


def job_file_url(request, job: JobBase) -> str:
    return request.build_absolute_uri(f"{get_script_prefix()}api/v1/jobs/{job.pk}/file")


class JobOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.SerializerMethodField(help_text="import or export.")
    status = serializers.CharField(help_text="queued, running, succeeded or failed.")
    progress = serializers.IntegerField(help_text="0 to 100.")
    total_rows = serializers.IntegerField()
    processed_rows = serializers.IntegerField(help_text="Rows written so far (imports write in batches).")
    counts = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField(help_text="An import's row errors: row, field, column, message.")
    error_message = serializers.CharField(help_text="Why a failed job failed.")
    report = serializers.SerializerMethodField(help_text="An import's full report once it has run.")
    file_name = serializers.SerializerMethodField()
    result_url = serializers.SerializerMethodField(
        help_text="Download of the export, or of an import's error report (.xlsx); null until there is one."
    )
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_kind(self, job: JobBase) -> str:
        return "import" if isinstance(job, ImportJob) else "export"

    def get_counts(self, job: JobBase) -> dict[str, int]:
        if isinstance(job, ImportJob):
            return {name: job.report[name] for name in IMPORT_COUNTS if name in job.report}
        return {"rows": job.processed_rows}

    def get_errors(self, job: JobBase) -> list[dict]:
        return list(job.report.get("errors", [])) if isinstance(job, ImportJob) else []

    def get_report(self, job: JobBase) -> dict | None:
        return job.report or None if isinstance(job, ImportJob) else None

    def get_file_name(self, job: JobBase) -> str | None:
        return PurePosixPath(job.result_file.name).name if job.result_file else None

    def get_result_url(self, job: JobBase) -> str | None:
        if not job.result_file:
            return None
        return job_file_url(self.context["request"], job)


class JobViewSet(OrganizationViewSet):
    @extend_schema(
        summary="Get an import or export job (status, progress, counts, errors, result URL)",
        responses={200: enveloped(JobOutputSerializer, name="JobEnvelope"), **errors(*READ_ERRORS)},
    )
    def retrieve(self, request, pk=None):
        job = job_get(organization=self.organization, job_id=pk)
        return success(request, JobOutputSerializer(job, context={"request": request}).data)

    @extend_schema(
        summary="Download a job's file: the export, or an import's error report",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            **errors(*READ_ERRORS),
        },
    )
    def download(self, request, pk=None):
        job = job_get(organization=self.organization, job_id=pk)
        if not job.result_file:
            raise NotFound("This job has no file (yet).")
        name = PurePosixPath(job.result_file.name).name
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        try:
            handle = job.result_file.open("rb")
        except FileNotFoundError as exc:
            raise NotFound("The job's file is no longer available.") from exc
        return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
