"""Job tasks retry transient errors with backoff, give up visibly, and leave a finished job alone.

The tasks run in process here (as without a broker); a retry runs again at once instead of after
its backoff pause, which is what a worker would wait.
"""

import io

import pytest
from django.db import OperationalError
from openpyxl import Workbook

from core.tasks import JobTask
from customers.exporting.services import customer_list_export_job_create
from customers.exporting.tasks import export_customer_list
from customers.importing import runner
from customers.importing.runner import ImportOptions, import_start
from customers.models import Customer, ExportJob, ImportJob
from customers.tasks import GAVE_UP_MESSAGE, import_customers
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ROWS = [
    ["Name", "Phone Number", "Email-Address", "Address"],
    ["Jane Wanjiku", "0712 345 678", "jane@wanjiku.co.ke", "Moi Avenue 12, Nairobi"],
    ["Kamau Hardware", "+254733111222", "sales@kamau.co.ke", "Kimathi Street, Nyeri"],
    ["Achieng Fresh Produce", "0722 456 789", "", "Oginga Odinga Road, Kisumu"],
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_ASYNC_ROW_THRESHOLD = 2


@pytest.fixture(autouse=True)
def worker_like():
    # As in a worker, a task's error ends up in its result (and the job), not in the caller.
    conf = import_customers.app.conf
    propagates = conf.task_eager_propagates
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = propagates


def workbook_bytes() -> bytes:
    workbook = Workbook()
    for row in ROWS:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def queued_import(organization, django_capture_on_commit_callbacks) -> ImportJob:
    # Queued but not yet run: the task is called by each test itself.
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


@pytest.fixture
def database_drops_once(monkeypatch):
    """The first import attempt loses its database connection, as during a failover."""
    real_import_run = runner.import_run
    attempts = []

    def flaky_import_run(**kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_import_run(**kwargs)

    monkeypatch.setattr(runner, "import_run", flaky_import_run)
    return attempts


def test_job_tasks_are_acknowledged_late_and_retry_transient_errors_with_backoff():
    for task in (import_customers, export_customer_list):
        assert isinstance(task, JobTask)
        assert task.acks_late is True
        assert OperationalError in task.autoretry_for
        assert task.retry_backoff and task.max_retries >= 3


def test_an_import_that_loses_the_database_is_retried_and_completes(queued_import, database_drops_once):
    import_customers.apply(args=[str(queued_import.pk)])

    queued_import.refresh_from_db()
    assert len(database_drops_once) == 2
    assert queued_import.status == "succeeded"
    assert queued_import.report["created"] == 3
    assert Customer.objects.count() == 3


def test_an_import_whose_database_stays_down_fails_with_a_clear_message(queued_import, monkeypatch):
    attempts = []

    def always_down(**kwargs):
        attempts.append(1)
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(runner, "import_run", always_down)

    result = import_customers.apply(args=[str(queued_import.pk)])

    queued_import.refresh_from_db()
    assert result.state == "FAILURE"
    assert len(attempts) == import_customers.max_retries + 1
    assert queued_import.status == "failed"
    assert queued_import.error_message == GAVE_UP_MESSAGE
    assert queued_import.finished_at is not None


def test_a_redelivered_import_whose_job_finished_does_nothing(queued_import):
    import_customers.apply(args=[str(queued_import.pk)])
    queued_import.refresh_from_db()
    first_run = (queued_import.started_at, queued_import.finished_at, queued_import.report)

    import_customers.apply(args=[str(queued_import.pk)])

    queued_import.refresh_from_db()
    assert (queued_import.started_at, queued_import.finished_at, queued_import.report) == first_run
    assert Customer.objects.count() == 3


def test_a_redelivered_export_whose_job_finished_does_nothing(organization, django_capture_on_commit_callbacks):
    CustomerFactory.create_batch(3, organization=organization)
    with django_capture_on_commit_callbacks(execute=True):
        job = customer_list_export_job_create(organization=organization, format="xlsx", filters={})
    job.refresh_from_db()
    assert job.status == "succeeded"
    first_run = (job.started_at, job.finished_at, job.result_file.name)

    export_customer_list.apply(args=[str(job.pk)])

    job = ExportJob.objects.get(pk=job.pk)
    assert (job.started_at, job.finished_at, job.result_file.name) == first_run
