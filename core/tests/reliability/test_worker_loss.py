"""A job whose worker dies is marked failed, and the same import run again creates no duplicates.

A killed worker (out of memory, a deploy) runs no more code: no exception reaches the job's own
error handling, so its job stays "running". ``WorkerKilled`` stands for that: it is not an
``Exception``, so it passes every handler of the import, as the end of the process would.
"""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook

from customers.exporting.services import customer_list_export_job_create
from customers.importing import runner
from customers.importing.runner import ImportOptions, import_job_run, import_start
from customers.models import Customer, ExportJob, ImportJob
from customers.services import imports
from customers.tasks import import_customers
from tests.factories import CustomerFactory
from transactions.models import Transaction

pytestmark = pytest.mark.django_db

ROWS = [
    ["Name", "Phone Number", "Email-Address", "Address", "Unpaid Amount"],
    ["Jane Wanjiku", "0712 345 678", "jane@wanjiku.co.ke", "Moi Avenue 12, Nairobi", 1500],
    ["Kamau Hardware", "+254733111222", "sales@kamau.co.ke", "Kimathi Street, Nyeri", 2500],
    ["Achieng Fresh Produce", "0722 456 789", "", "Oginga Odinga Road, Kisumu", 300],
    ["Otieno Motors", "0733 222 444", "info@otieno.co.ke", "Kenyatta Avenue, Nakuru", ""],
    ["Baraka Supermarket", "0746 844 313", "", "Tom Mboya Street, Nairobi", 90],
]


class WorkerKilled(BaseException):
    """The worker process ended in the middle of the job."""


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_ASYNC_ROW_THRESHOLD = 2


@pytest.fixture(autouse=True)
def batches_of_two(monkeypatch):
    # Five rows in batches of two: the first batch is saved before the worker dies.
    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", 2)


def workbook_bytes() -> bytes:
    workbook = Workbook()
    for row in ROWS:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def queued_import(organization, django_capture_on_commit_callbacks) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=False):
        job = import_start(
            organization=organization,
            actor=None,
            name="customers.xlsx",
            content=workbook_bytes(),
            options=ImportOptions(),
        )
    assert job.status == "queued"
    return job


class Worker:
    dies_after_a_batch = True


@pytest.fixture
def worker(monkeypatch) -> Worker:
    """The import's worker: while ``dies_after_a_batch``, it dies once its first batch is saved."""
    state = Worker()
    real_job_progress = runner.job_progress

    def progress_then_die(*, job, processed_rows):
        real_job_progress(job=job, processed_rows=processed_rows)
        if state.dies_after_a_batch:
            raise WorkerKilled

    monkeypatch.setattr(runner, "job_progress", progress_then_die)
    return state


def age(job, *, minutes: int) -> None:
    then = timezone.now() - timedelta(minutes=minutes)
    type(job).objects.filter(pk=job.pk).update(created_at=then, started_at=then if job.started_at else None)


def fail_stale_jobs(*args: str) -> str:
    out = io.StringIO()
    call_command("fail_stale_jobs", *args, stdout=out)
    return out.getvalue()


def test_a_job_whose_worker_died_is_failed_and_the_same_file_imports_again_without_duplicates(
    organization, django_capture_on_commit_callbacks, worker
):
    job = queued_import(organization, django_capture_on_commit_callbacks)

    with pytest.raises(WorkerKilled):
        import_job_run(job_id=str(job.pk))

    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.finished_at) == ("running", 2, None)
    assert Customer.objects.count() == 2
    age(job, minutes=61)

    output = fail_stale_jobs()

    job.refresh_from_db()
    assert "Marked 1 stale job(s) failed." in output
    assert job.status == "failed"
    assert job.finished_at is not None
    assert "importing the same file again completes it without duplicates" in job.error_message
    assert job.processed_rows == 2

    worker.dies_after_a_batch = False
    again = queued_import(organization, django_capture_on_commit_callbacks)
    import_customers.apply(args=[str(again.pk)])

    again.refresh_from_db()
    assert again.status == "succeeded"
    assert (again.report["created"], again.report["unchanged"]) == (3, 2)
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(row[0] for row in ROWS[1:])
    assert Transaction.objects.count() == 4
    assert Customer.objects.get(name="Jane Wanjiku").balance == Decimal("1500.00")
    assert Customer.objects.get(name="Baraka Supermarket").balance == Decimal("90.00")


def test_running_jobs_younger_than_the_limit_and_finished_jobs_are_left_alone(
    organization, django_capture_on_commit_callbacks
):
    running = queued_import(organization, django_capture_on_commit_callbacks)
    ImportJob.objects.filter(pk=running.pk).update(status="running", started_at=timezone.now())
    finished = queued_import(organization, django_capture_on_commit_callbacks)
    import_customers.apply(args=[str(finished.pk)])
    age(finished, minutes=600)

    output = fail_stale_jobs()

    assert "Marked 0 stale job(s) failed." in output
    assert ImportJob.objects.get(pk=running.pk).status == "running"
    assert ImportJob.objects.get(pk=finished.pk).status == "succeeded"


def test_a_job_no_worker_took_from_the_queue_is_failed_with_its_own_message(
    organization, django_capture_on_commit_callbacks
):
    job = queued_import(organization, django_capture_on_commit_callbacks)
    age(job, minutes=90)

    fail_stale_jobs()

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error_message.startswith("The import never started")
    assert not Customer.objects.exists()
    # Its message, if the broker still delivers it, finds the job finished and does nothing.
    import_customers.apply(args=[str(job.pk)])
    assert not Customer.objects.exists()


def test_an_export_whose_worker_died_is_failed(organization, django_capture_on_commit_callbacks):
    CustomerFactory.create_batch(3, organization=organization)
    with django_capture_on_commit_callbacks(execute=False):
        job = customer_list_export_job_create(organization=organization, format="xlsx", filters={})
    ExportJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    job.refresh_from_db()
    age(job, minutes=20)

    quiet = fail_stale_jobs()
    output = fail_stale_jobs("--minutes", "15")

    job.refresh_from_db()
    assert "Marked 0 stale job(s) failed." in quiet
    assert f"ExportJob {job.pk}: failed (The export stopped)" in output
    assert job.status == "failed"
    assert job.error_message.startswith("The export stopped")
