"""An import's history rows say who imported, with which API key and in which request, like every write.

The bulk importer writes its customers' history rows itself (one statement per batch), so these
cases check that its rows carry what simple-history's own rows carry.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import ApiKey
from customers.models import Customer
from customers.services.imports import ImportRow, customer_bulk_upsert

pytestmark = pytest.mark.django_db

HEADER = ["Customer No", "Name", "Phone Number", "Address"]
FIRST_IMPORT = "req_erp-sync-0001"
SECOND_IMPORT = "req_erp-sync-0002"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in [HEADER, *rows]:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def post_import(client: Client, content: bytes, **headers):
    return client.post("/api/v1/customers/import", {"file": SimpleUploadedFile("customers.xlsx", content)}, **headers)


def history_of(customer_no: str) -> list:
    customer = Customer.objects.get(customer_no=customer_no)
    return list(Customer.history.filter(id=customer.pk).order_by("history_id"))


def test_an_api_key_import_records_the_key_and_the_request_on_created_and_updated_customers(
    client, write_key, organization
):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {write_key}"}
    first = post_import(
        client, xlsx([["C-1", "Jane Wanjiku", "0712 345 678", "Moi Avenue"]]), HTTP_X_REQUEST_ID=FIRST_IMPORT, **auth
    )
    second = post_import(
        client,
        xlsx([["C-1", "Jane Wanjiku", "0712 345 678", "Kenyatta Avenue"], ["C-2", "Kamau Hardware", "", ""]]),
        HTTP_X_REQUEST_ID=SECOND_IMPORT,
        **auth,
    )

    assert (first.status_code, second.status_code) == (200, 200)
    assert (second.json()["data"]["created"], second.json()["data"]["updated"]) == (1, 1)
    key = ApiKey.objects.get(organization=organization, name="Integration")
    created, updated = history_of("C-1")
    [created_later] = history_of("C-2")
    audit = [
        (row.history_type, row.address, row.history_user, row.history_api_key, row.history_request_id)
        for row in (created, updated, created_later)
    ]
    assert audit == [
        ("+", "Moi Avenue", None, key, FIRST_IMPORT),
        ("~", "Kenyatta Avenue", None, key, SECOND_IMPORT),
        ("+", "", None, key, SECOND_IMPORT),
    ]


def test_a_signed_in_import_records_the_user_the_request_and_no_key(manager):
    client = Client()
    client.force_login(manager)

    response = post_import(client, xlsx([["C-1", "Jane Wanjiku", "", ""]]), HTTP_X_REQUEST_ID=FIRST_IMPORT)

    assert response.status_code == 200
    [row] = history_of("C-1")
    assert (row.history_user, row.history_api_key, row.history_request_id) == (manager, None, FIRST_IMPORT)


def test_an_admin_import_records_the_user_and_the_confirming_request(clerk, organization):
    client = Client()
    client.force_login(clerk)
    preview = client.post(
        reverse("admin:customers_customer_import"),
        {
            "resource": "0",
            "format": "0",
            "organization": organization.pk,
            "import_file": SimpleUploadedFile("customers.xlsx", xlsx([["C-1", "Jane Wanjiku", "", ""]])),
        },
    )
    confirm = preview.context["confirm_form"]

    done = client.post(
        reverse("admin:customers_customer_process_import"),
        {**confirm.initial, "organization": organization.pk},
        HTTP_X_REQUEST_ID=SECOND_IMPORT,
    )

    assert done.status_code == 302
    [row] = history_of("C-1")
    assert (row.history_user, row.history_api_key, row.history_request_id) == (clerk, None, SECOND_IMPORT)


def test_an_import_outside_a_request_records_the_key_and_request_it_is_given(organization, write_key):
    # A queued import runs in a worker, after its request has ended: the job passes them along.
    key = ApiKey.objects.get(organization=organization, name="Integration")

    customer_bulk_upsert(
        organization=organization,
        actor=None,
        rows=[ImportRow(2, {"customer_no": "C-1", "name": "Jane Wanjiku"})],
        api_key=key,
        request_id=FIRST_IMPORT,
    )

    [row] = history_of("C-1")
    assert (row.history_user, row.history_api_key, row.history_request_id) == (None, key, FIRST_IMPORT)
