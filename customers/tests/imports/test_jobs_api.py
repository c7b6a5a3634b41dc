"""GET /api/v1/jobs/{id} and /jobs/{id}/file, and the Celery task behind a queued import."""

import io
import os
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from openpyxl import load_workbook

from customers.importing.runner import ImportOptions
from customers.models import Customer, ExportJob, ImportJob
from customers.services import imports as import_service
from customers.tasks import import_customers

from .conftest import SHORT_HEADER, post_import, xlsx_bytes

pytestmark = pytest.mark.django_db

JOB_FIELDS = {
    "id",
    "kind",
    "status",
    "progress",
    "total_rows",
    "processed_rows",
    "counts",
    "errors",
    "error_message",
    "report",
    "file_name",
    "result_url",
    "created_at",
    "started_at",
    "finished_at",
}


@pytest.fixture
def finished_import(api):
    """A finished import of three rows, one of them invalid (so it has an error report)."""
    content = xlsx_bytes(
        [
            SHORT_HEADER,
            ["Jane Wanjiku", "0712345678", "", "", None],
            ["No Phone", "12", "", "", None],
            ["Kamau Hardware", "", "", "", 250],
        ]
    )
    report = post_import(api, content, mode="skip_invalid").json()["data"]
    return ImportJob.objects.get(pk=report["job_id"])


def queued_job(organization, content: bytes, name: str = "customers.xlsx", **options) -> ImportJob:
    job = ImportJob(organization=organization, original_name=name, options=ImportOptions(**options).as_json())
    job.source_file.save(name, ContentFile(content), save=False)
    job.save()
    return job


def test_a_finished_import_job_shows_its_status_counts_errors_and_file(api, finished_import):
    response = api.get(f"jobs/{finished_import.pk}")

    body = response.json()
    assert response.status_code == 200 and body["status"] == "success"
    job = body["data"]
    assert set(job) == JOB_FIELDS
    assert (job["kind"], job["status"], job["progress"], job["total_rows"]) == ("import", "succeeded", 100, 3)
    assert job["counts"] == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": 1,
        "opening_balances": 1,
        "error_count": 1,
    }
    assert job["errors"] == [
        {
            "row": 3,
            "field": "Phone Number",
            "column": "B",
            "message": "Enter a valid phone number, for example +254712345678.",
        }
    ]
    assert job["result_url"].endswith(f"/api/v1/jobs/{finished_import.pk}/file")
    assert job["file_name"].endswith(".xlsx")


def test_the_file_of_a_job_downloads_for_members_and_keys_of_its_organization(
    read_api, api_as, viewer, finished_import
):
    for client in (read_api, api_as(viewer)):
        response = client.get(f"jobs/{finished_import.pk}/file")

        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
            (3, "B", "Phone Number", "Enter a valid phone number, for example +254712345678.")
        ]


def test_another_organizations_job_and_file_answer_like_missing_ones(other_api, finished_import):
    detail = other_api.get(f"jobs/{finished_import.pk}")
    download = other_api.get(f"jobs/{finished_import.pk}/file")
    missing = other_api.get("jobs/6f1c3e0a-8f5e-4a53-9f3e-2b1f6c7d8e9f")

    assert detail.status_code == download.status_code == missing.status_code == 404
    assert detail.json()["message"] == missing.json()["message"] == "Job not found"


@pytest.mark.parametrize("job_id", ["not-a-uuid", "12", "6f1c3e0a-8f5e-4a53-9f3e-2b1f6c7d8e9f"])
def test_an_unknown_job_id_is_a_404_in_the_envelope(api, job_id):
    response = api.get(f"jobs/{job_id}")

    assert response.status_code == 404
    assert response.json()["status"] == "error"


def test_a_job_without_a_file_has_nothing_to_download(api):
    report = post_import(api, xlsx_bytes([SHORT_HEADER, ["Jane Wanjiku", "", "", "", None]])).json()["data"]

    response = api.get(f"jobs/{report['job_id']}/file")

    assert response.status_code == 404
    assert response.json()["message"] == "This job has no file (yet)."


def test_an_export_job_reads_through_the_same_endpoints(api, organization):
    job = ExportJob(organization=organization, kind="customer_list", format="csv", status="succeeded", progress=100)
    job.result_file.save("customers.csv", ContentFile(b"\xef\xbb\xbfName\r\nJane Wanjiku\r\n"), save=False)
    job.processed_rows = 1
    job.save()

    detail = api.get(f"jobs/{job.pk}").json()["data"]
    download = api.get(urlsplit(detail["result_url"]).path)

    assert (detail["kind"], detail["counts"], detail["report"], detail["errors"]) == ("export", {"rows": 1}, None, [])
    assert download["Content-Type"].startswith("text/csv")
    assert b"".join(download.streaming_content).endswith(b"Jane Wanjiku\r\n")


def test_a_queued_import_runs_in_the_task_and_a_redelivered_task_does_nothing(api, organization):
    job = queued_job(organization, xlsx_bytes([SHORT_HEADER, ["Jane Wanjiku", "0712345678", "", "", 700]]))

    import_customers(str(job.pk))
    import_customers(str(job.pk))

    stored = job.source_file.path
    job.refresh_from_db()
    assert (job.status, job.progress, job.report["created"]) == ("succeeded", 100, 1)
    assert not job.source_file and not os.path.exists(stored)
    assert job.started_at is not None and job.finished_at is not None
    assert Customer.objects.count() == 1


def test_a_queued_file_that_cannot_be_read_fails_the_job_with_the_reason(api, organization):
    job = queued_job(organization, b"not a workbook at all")

    import_customers(str(job.pk))

    data = api.get(f"jobs/{job.pk}").json()["data"]
    assert data["status"] == "failed"
    assert data["error_message"] == "The file is not a real .xlsx workbook, whatever its name says."
    assert data["finished_at"] is not None


def test_a_job_that_dies_midway_keeps_its_finished_batches_and_a_rerun_completes_it(organization, monkeypatch):
    content = xlsx_bytes([SHORT_HEADER, *[[f"Customer {n}", "", "", "", 10] for n in range(5)]])
    monkeypatch.setattr(import_service, "IMPORT_BATCH_SIZE", 2)
    index_new = import_service._Writer._index_new
    calls = []

    def dies_on_the_second_batch(writer, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise ConnectionError("worker lost its database")
        index_new(writer, rows)

    monkeypatch.setattr(import_service._Writer, "_index_new", dies_on_the_second_batch)
    crashed = queued_job(organization, content)
    import_customers(str(crashed.pk))
    crashed.refresh_from_db()
    saved_after_crash = Customer.objects.count()

    monkeypatch.setattr(import_service._Writer, "_index_new", index_new)
    rerun = queued_job(organization, content)
    import_customers(str(rerun.pk))
    rerun.refresh_from_db()

    assert (crashed.status, crashed.processed_rows, saved_after_crash) == ("failed", 2, 2)
    assert "importing the same file again" in crashed.error_message
    assert (rerun.status, rerun.report["created"], rerun.report["unchanged"]) == ("succeeded", 3, 2)
    assert Customer.objects.count() == 5
