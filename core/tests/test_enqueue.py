"""With the job queue down, creating a background job is refused with a 503 and nothing is saved.

The broker URL points at a port nothing listens on, as when Redis is stopped; the rest of the
site (lists, small imports and exports answered in the request) keeps working.
"""

import io

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from core.exceptions import ServiceUnavailable
from core.tasks import broker_check
from customers.models import Customer, ExportJob, ImportJob
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

BROKER_DOWN = "redis://127.0.0.1:1/15"
LOCAL_REDIS = "redis://127.0.0.1:6379/15"
HEADER = ["Name", "Phone Number", "Email-Address", "Address"]
KENYAN_ROWS = [
    ["Jane Wanjiku", "0712 345 678", "jane@wanjiku.co.ke", "Moi Avenue 12, Nairobi"],
    ["Kamau Hardware", "+254733111222", "sales@kamau.co.ke", "Kimathi Street, Nyeri"],
    ["Achieng Fresh Produce", "0722 456 789", "", "Oginga Odinga Road, Kisumu"],
    ["Mwangi & Sons Transport", "0701 234 567", "ops@mwangisons.co.ke", "Mombasa Road"],
    ["Njeri Beauty Parlour", "0745 678 901", "", "Tom Mboya Street"],
    ["Otieno Cyber Café", "0791 111 222", "otieno@cyber.co.ke", "Kakamega Road"],
]


@pytest.fixture
def queue_down(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = BROKER_DOWN
    # Redis is usually both the broker and the cache: the production cache is down too.
    settings.CACHES = {"default": {"BACKEND": "core.cache.FailOpenRedisCache", "LOCATION": BROKER_DOWN}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_ASYNC_ROW_THRESHOLD = 3
    settings.EXPORT_ASYNC_ROW_THRESHOLD = 3
    return tmp_path / "media"


def workbook_upload(rows: list[list]) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        "customers.xlsx",
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def post_import(api, rows: list[list]):
    return api.client.post(
        "/api/v1/customers/import", {"file": workbook_upload(rows)}, HTTP_AUTHORIZATION=f"Bearer {api.key}"
    )


def files_under(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def assert_queue_unavailable(response) -> None:
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "error"
    assert "cannot be queued" in body["message"] and "nothing was saved" in body["message"]
    assert body["meta"]["request_id"] == response["X-Request-ID"]


def test_a_large_import_is_refused_with_503_and_leaves_nothing_behind(api, queue_down):
    response = post_import(api, KENYAN_ROWS)

    assert_queue_unavailable(response)
    assert ImportJob.objects.count() == 0
    assert Customer.objects.count() == 0
    assert files_under(queue_down) == []


def test_a_large_export_is_refused_with_503_and_leaves_no_job(api, organization, queue_down):
    CustomerFactory.create_batch(4, organization=organization)

    response = api.get("customers/export", {"format": "xlsx"})

    assert_queue_unavailable(response)
    assert ExportJob.objects.count() == 0


def test_the_rest_of_the_site_works_while_the_queue_is_down(api, organization, queue_down):
    CustomerFactory(organization=organization, name="Wairimu Stores", customer_no="CUST000007")

    listed = api.get("customers")
    small_import = post_import(api, KENYAN_ROWS[:2])
    small_export = api.get("customers/export", {"format": "xlsx"})

    assert listed.status_code == 200 and listed.json()["meta"]["total"] == 1
    assert small_import.status_code == 200, small_import.json()
    assert small_import.json()["data"]["created"] == 2
    assert small_export.status_code == 200
    rows = list(load_workbook(io.BytesIO(small_export.content)).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3


def test_broker_check_refuses_a_closed_port(settings):
    settings.CELERY_BROKER_URL = BROKER_DOWN

    with pytest.raises(ServiceUnavailable) as refused:
        broker_check()

    assert refused.value.status_code == 503


def test_with_the_queue_up_the_job_is_saved_and_sent_after_commit(
    api, settings, tmp_path, django_capture_on_commit_callbacks
):
    try:
        redis.Redis.from_url(LOCAL_REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = LOCAL_REDIS
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_ASYNC_ROW_THRESHOLD = 3

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_import(api, KENYAN_ROWS)

    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["data"]["id"])
    assert job.status == "queued" and job.source_file
    # The task is handed to the broker only once the job's transaction has committed.
    assert len(callbacks) == 1
