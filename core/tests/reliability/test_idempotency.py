"""Idempotency-Key on POST: a retried create or payment is answered, not written a second time."""

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

import customers.services
from core.models import IdempotencyRecord, IdempotencyStatus
from customers.models import Customer, ImportJob
from transactions.models import Transaction

pytestmark = pytest.mark.django_db

KEY = "8d6c1f4e-5b2a-4c1e-9f3a-2b7d9e0c4a11"
CREATE = {"branch_id": "00", "customer_no": "CUST003", "custNm": "XYZ Enterprises", "tin": "P000789012Y"}


def with_key(key: str = KEY) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": key}


def test_a_retried_create_gets_the_first_answer_and_writes_one_customer(api):
    first = api.post("customers", CREATE, **with_key())
    retry = api.post("customers", CREATE, **with_key())

    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert retry["ETag"] == first["ETag"]
    assert Customer.objects.filter(customer_no="CUST003").count() == 1
    assert Customer.history.filter(customer_no="CUST003").count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.status, record.response_status, record.key) == (IdempotencyStatus.COMPLETED, 201, KEY)


def test_a_retry_with_the_same_document_in_another_key_order_is_the_same_request(api):
    first = api.post("customers", CREATE, **with_key())
    reordered = json.dumps(dict(reversed(list(CREATE.items()))), indent=2)

    retry = api.post("customers/", reordered, **with_key())

    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["data"]["id"] == first.json()["data"]["id"]


def test_a_retried_payment_moves_the_balance_once(api, customer):
    payment = {"customer_id": customer.pk, "type": "payment", "total_amount": 2500.00, "reference": "RCPT-0042"}

    answers = [api.post("transactions", payment, **with_key("pos-till-3-receipt-0042")) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [201, 201, 201]
    assert len({answer.json()["data"]["id"] for answer in answers}) == 1
    assert Transaction.objects.filter(customer=customer).count() == 1
    customer.refresh_from_db()
    assert customer.balance == Decimal("-2500.00")


def test_the_same_key_with_a_different_body_is_a_422_and_writes_nothing(api):
    api.post("customers", CREATE, **with_key())

    response = api.post("customers", {**CREATE, "custNm": "XYZ Enterprises (Mombasa)"}, **with_key())

    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "error"
    assert "different request" in body["message"]
    assert "Idempotency-Key" in body["errors"]
    assert not Customer.objects.filter(name="XYZ Enterprises (Mombasa)").exists()


def test_the_same_key_on_another_endpoint_is_a_422(api, customer):
    api.post(f"customers/{customer.pk}/emails", {"email": "sales@wanjiku.co.ke"}, **with_key())

    response = api.post(f"customers/{customer.pk}/phones", {"number": "+254733345678"}, **with_key())

    assert response.status_code == 422
    assert not customer.phones.exists()


def test_a_validation_error_is_kept_and_replayed_like_a_success(api):
    invalid = {**CREATE, "tin": "X123"}
    first = api.post("customers", invalid, **with_key())
    retry = api.post("customers", invalid, **with_key())

    assert first.status_code == retry.status_code == 400
    assert first.json()["errors"]["tin"] == ["The tin format is invalid."]
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"


def test_a_server_error_frees_the_key_so_the_retry_runs(api, monkeypatch):
    create = customers.services.customer_create

    def failing_once(**kwargs):
        monkeypatch.setattr(customers.services, "customer_create", create)
        raise RuntimeError("database went away")

    monkeypatch.setattr(customers.services, "customer_create", failing_once)

    failed = api.post("customers", CREATE, **with_key())
    retried = api.post("customers", CREATE, **with_key())

    assert failed.status_code == 500
    assert retried.status_code == 201
    assert not retried.has_header("Idempotent-Replayed")
    assert Customer.objects.filter(customer_no="CUST003").count() == 1


@pytest.mark.parametrize("length", [256, 1000])
def test_a_key_longer_than_255_characters_is_a_400_naming_the_header(api, length):
    response = api.post("customers", CREATE, **with_key("k" * length))

    assert response.status_code == 400
    assert response.json()["message"] == "Validation failed"
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Customer.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_key_of_255_characters_is_accepted(api):
    assert api.post("customers", CREATE, **with_key("k" * 255)).status_code == 201


def test_an_empty_key_is_a_400(api):
    response = api.post("customers", CREATE, **with_key("   "))

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


def test_a_key_older_than_24_hours_is_forgotten(api):
    first = api.post("customers", CREATE, **with_key())
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, minutes=1))

    second = api.post("customers", {**CREATE, "customer_no": "CUST004"}, **with_key())

    assert second.status_code == 201
    assert not second.has_header("Idempotent-Replayed")
    assert second.json()["data"]["id"] != first.json()["data"]["id"]
    assert IdempotencyRecord.objects.count() == 1


def test_a_key_just_under_24_hours_old_still_replays(api):
    api.post("customers", CREATE, **with_key())
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=23, minutes=59))

    retry = api.post("customers", CREATE, **with_key())

    assert retry["Idempotent-Replayed"] == "true"


def test_keys_belong_to_their_organization(api, other_api):
    ours = api.post("customers", CREATE, **with_key())
    theirs = other_api.post("customers", CREATE, **with_key())

    assert ours.status_code == theirs.status_code == 201
    assert not theirs.has_header("Idempotent-Replayed")
    assert ours.json()["data"]["id"] != theirs.json()["data"]["id"]


def test_another_caller_of_the_same_organization_never_gets_the_kept_answer(api, api_as, clerk):
    api.post("customers", CREATE, **with_key())

    response = api_as(clerk).post("customers", CREATE, **with_key())

    assert response.status_code == 422
    assert "another API key or user" in response.json()["message"]
    assert not response.has_header("Idempotent-Replayed")


def test_a_refused_request_does_not_claim_the_key(read_api, api):
    refused = read_api.post("customers", CREATE, **with_key())
    accepted = api.post("customers", CREATE, **with_key())

    assert refused.status_code == 403
    assert accepted.status_code == 201
    assert not accepted.has_header("Idempotent-Replayed")


def test_posts_without_a_key_are_not_deduplicated(api):
    first = api.post("customers", {"custNm": "Achieng Stores"})
    second = api.post("customers", {"custNm": "Achieng Stores"})

    assert first.status_code == second.status_code == 201
    assert Customer.objects.filter(name="Achieng Stores").count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_status_actions_replay_too(api, customer):
    first = api.post(f"customers/{customer.pk}/archive", **with_key())
    api.post(f"customers/{customer.pk}/unarchive")

    retry = api.post(f"customers/{customer.pk}/archive", **with_key())

    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["data"]["status"] == first.json()["data"]["status"] == "archived"
    customer.refresh_from_db()
    # The replay answered; it did not archive the customer a second time.
    assert customer.status == "active"


def test_the_purge_command_deletes_only_expired_keys(api):
    api.post("customers", CREATE, **with_key("old-key"))
    api.post("customers", {**CREATE, "customer_no": "CUST004"}, **with_key("fresh-key"))
    IdempotencyRecord.objects.filter(key="old-key").update(created_at=timezone.now() - timedelta(days=2))
    out = io.StringIO()

    call_command("purge_idempotency_keys", stdout=out)

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh-key"]
    assert out.getvalue().startswith("Deleted 1 idempotency key record(s)")


def _import(api, content: bytes, key: str):
    upload = SimpleUploadedFile("customers.csv", content, content_type="text/csv")
    return api.client.post(
        "/api/v1/customers/import", {"file": upload, "mode": "skip_invalid"}, **api._headers(with_key(key))
    )


def test_a_retried_import_upload_is_answered_without_importing_again(api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    sheet = (
        b"Name,Phone Number,Email-Address,Address,Unpaid Amount\r\nJane Wanjiku,0712 345 678,,Moi Avenue 12,1500.50\r\n"
    )

    first = _import(api, sheet, "import-2025-01-17")
    retry = _import(api, sheet, "import-2025-01-17")
    other_file = _import(api, sheet.replace(b"1500.50", b"1600.00"), "import-2025-01-17")

    assert first.status_code == retry.status_code == 200
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    assert other_file.status_code == 422
    assert ImportJob.objects.count() == 1
    assert Transaction.objects.count() == 1
