"""Large list exports run as an ExportJob in Celery (eager in tests): 202, progress, result file."""

import csv
import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from customers import jobs as jobs_module
from customers.exporting import customer_list as customer_list_module
from customers.exporting import services as export_services
from customers.exporting.services import customer_list_export_job_create, customer_list_export_job_run
from customers.jobs import job_progress
from customers.models import ExportJob, JobStatus
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_customers(organization):
    return [
        CustomerFactory(organization=organization, customer_no=f"K{index}", name=f"Kibet Traders {index}")
        for index in range(5)
    ]


@override_settings(EXPORT_ASYNC_ROW_THRESHOLD=3)
def test_a_large_export_answers_202_with_the_job_and_completes_with_a_downloadable_file(
    api, organization, five_customers, stranger, read_xlsx, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.get("customers/export", {"format": "xlsx", "status": "active"})

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "success"
    assert {"timestamp", "request_id"} <= set(body["meta"])
    job_data = body["data"]
    assert job_data["kind"] == "export"
    assert job_data["export_kind"] == "customer_list"
    assert job_data["format"] == "xlsx"
    assert job_data["status"] == "queued"
    assert job_data["total_rows"] == 5
    assert job_data["parameters"] == {"filters": {"status": "active"}}
    assert job_data["url"] == f"http://testserver/api/v1/jobs/{job_data['id']}"
    assert response["Location"] == job_data["url"]

    job = ExportJob.objects.get(pk=job_data["id"])
    assert job.organization == organization
    assert job.api_key is not None and job.created_by is None
    assert job.status == JobStatus.SUCCEEDED
    assert (job.progress, job.processed_rows, job.total_rows) == (100, 5, 5)
    assert job.started_at is not None and job.finished_at is not None
    assert job.result_file.name.endswith(".xlsx")
    with job.result_file.open("rb") as result:
        sheet = read_xlsx(result.read())["Customers"]
    assert sorted(row[0].value for row in sheet.iter_rows(min_row=2)) == ["K0", "K1", "K2", "K3", "K4"]
    assert sheet.freeze_panes == "A2"


@override_settings(EXPORT_ASYNC_ROW_THRESHOLD=3)
def test_the_job_keeps_the_filters_it_was_asked_with(api, five_customers, django_capture_on_commit_callbacks):
    CustomerFactory.create_batch(
        4, organization=five_customers[0].organization, name="Wanjiru Stores", status="blocked"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = api.get("customers/export", {"format": "csv", "status": "blocked", "ordering": "-name"})

    job = ExportJob.objects.get(pk=response.json()["data"]["id"])
    with job.result_file.open("rb") as result:
        content = result.read()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 4
    assert {row[1] for row in rows[1:]} == {"Wanjiru Stores"}


@override_settings(EXPORT_PDF_ASYNC_ROW_THRESHOLD=2)
def test_pdfs_become_jobs_sooner_than_spreadsheets(api, five_customers, pdf_text, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pdf = api.get("customers/export", {"format": "pdf"})
    xlsx = api.get("customers/export", {"format": "xlsx"})

    assert pdf.status_code == 202
    assert xlsx.status_code == 200
    job = ExportJob.objects.get(pk=pdf.json()["data"]["id"])
    assert job.status == JobStatus.SUCCEEDED
    with job.result_file.open("rb") as result:
        text, _ = pdf_text(result.read())
    assert "Kibet Traders 4" in text
    assert "Page 1 of" in text


@override_settings(EXPORT_ASYNC_ROW_THRESHOLD=3)
def test_a_signed_in_users_job_records_who_asked(api_as, viewer, five_customers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(viewer).get("customers/export", {"format": "csv"})

    assert response.status_code == 202
    job = ExportJob.objects.get(pk=response.json()["data"]["id"])
    assert job.created_by == viewer
    assert job.api_key is None


@override_settings(EXPORT_ASYNC_ROW_THRESHOLD=3)
def test_bad_filters_are_refused_before_any_job_is_queued(api, five_customers):
    response = api.get("customers/export", {"format": "xlsx", "status": "sleeping"})

    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    assert not ExportJob.objects.exists()


@pytest.fixture
def stored_progress(monkeypatch):
    """The job's stored (status, processed_rows, progress) after each progress write."""
    seen = []

    def record_progress(*, job, processed_rows):
        job_progress(job=job, processed_rows=processed_rows)
        stored = ExportJob.objects.get(pk=job.pk)
        seen.append((stored.status, stored.processed_rows, stored.progress))

    monkeypatch.setattr(jobs_module, "job_progress", record_progress)
    return seen


@pytest.mark.parametrize("format", ["xlsx", "csv"])
def test_progress_is_written_as_batches_finish(organization, five_customers, monkeypatch, stored_progress, format):
    monkeypatch.setattr(customer_list_module, "BATCH_SIZE", 2)
    monkeypatch.setattr(jobs_module, "PROGRESS_WRITE_INTERVAL_S", 0)
    job = customer_list_export_job_create(organization=organization, format=format, filters={})

    customer_list_export_job_run(job=job)

    every_batch = [("running", 2, 40), ("running", 4, 80), ("running", 5, 99)]
    # A CSV on PostgreSQL is read by one COPY, which holds the connection until its last row.
    copied = format == "csv" and connection.vendor == "postgresql"
    assert stored_progress == (every_batch[-1:] if copied else every_batch)
    job.refresh_from_db()
    assert (job.status, job.progress) == (JobStatus.SUCCEEDED, 100)


def test_progress_is_written_at_most_once_an_interval(organization, five_customers, monkeypatch, stored_progress):
    monkeypatch.setattr(customer_list_module, "BATCH_SIZE", 2)
    monkeypatch.setattr(jobs_module, "PROGRESS_WRITE_INTERVAL_S", 3600)
    job = customer_list_export_job_create(organization=organization, format="xlsx", filters={})

    customer_list_export_job_run(job=job)

    # The first batch is shown at once; the next two fall inside the interval; the end is recorded.
    assert stored_progress == [("running", 2, 40)]
    job.refresh_from_db()
    assert (job.status, job.progress, job.processed_rows) == (JobStatus.SUCCEEDED, 100, 5)


def test_a_job_whose_filters_no_longer_validate_fails_with_the_reason(organization, five_customers):
    job = customer_list_export_job_create(organization=organization, format="xlsx", filters={"created_from": "soon"})

    customer_list_export_job_run(job=job)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "date" in job.error_message
    assert not job.result_file


def test_an_unexpected_error_fails_the_job_without_leaking_details(organization, five_customers, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full at /var/lib/secret")

    monkeypatch.setattr(export_services, "customer_list_export", broken)
    job = customer_list_export_job_create(organization=organization, format="xlsx", filters={})

    customer_list_export_job_run(job=job)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_message == "The export failed unexpectedly; try again, or narrow the filters."
    assert job.finished_at is not None


def test_a_finished_job_is_not_run_again(organization, five_customers):
    job = customer_list_export_job_create(organization=organization, format="csv", filters={})
    customer_list_export_job_run(job=job)
    job.refresh_from_db()
    first_file, first_finish = job.result_file.name, job.finished_at

    customer_list_export_job_run(job=job)

    job.refresh_from_db()
    assert (job.result_file.name, job.finished_at) == (first_file, first_finish)


def test_a_celery_worker_finds_the_export_task():
    # A fresh process, as a worker starts: only Celery's autodiscovery can have imported the task.
    script = (
        "import django; django.setup(); from config.celery import app; "
        "app.loader.import_default_modules(); print('customers.export_customer_list' in app.tasks)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip().splitlines()[-1] == "True"
