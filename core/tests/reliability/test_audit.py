"""The change history says who changed what, when, with which API key and in which request."""

import logging

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import ApiKey
from accounts.services import API_KEY_TAG, api_key_create
from billing.models import BillingEntity
from customers.models import ContactEmail, Customer
from customers.services import customer_update
from customers.tests.admin.browser import form_values

pytestmark = pytest.mark.django_db

REQUEST_ID = "req_pos-till-3-0042"


def latest_history(model, **filters):
    return model.history.filter(**filters).order_by("-history_id").first()


def test_an_api_key_write_records_the_key_and_the_request_id(api, organization):
    response = api.post("customers", {"custNm": "Achieng Stores", "tin": "P000789012Y"})

    row = latest_history(Customer, id=response.json()["data"]["id"])
    key = ApiKey.objects.get(organization=organization, name="Integration")
    assert row.history_type == "+"
    assert row.history_user is None
    assert row.history_api_key == key
    assert row.history_request_id == response.json()["meta"]["request_id"] == response["X-Request-ID"]


def test_the_callers_request_id_is_the_one_recorded(api, customer):
    api.patch(f"customers/{customer.pk}", {"city": "Kisumu"}, HTTP_X_REQUEST_ID=REQUEST_ID)

    row = latest_history(Customer, id=customer.pk)
    assert (row.history_type, row.city, row.history_request_id) == ("~", "Kisumu", REQUEST_ID)


def test_an_update_records_each_field_before_and_after(api, customer):
    api.patch(f"customers/{customer.pk}", {"name": "Wanjiku Traders (Kisumu) Ltd", "city": "Kisumu"})

    new, old = Customer.history.filter(id=customer.pk).order_by("-history_id")[:2]
    changes = {change.field: (change.old, change.new) for change in new.diff_against(old).changes}
    assert changes == {"name": ("Wanjiku Traders Ltd", "Wanjiku Traders (Kisumu) Ltd"), "city": ("", "Kisumu")}


def test_contact_and_billing_writes_through_the_api_carry_the_key(api, customer, organization):
    email = api.post(f"customers/{customer.pk}/emails", {"email": "billing@wanjiku.co.ke"})
    entity = api.post(f"customers/{customer.pk}/billing-entities", {"legal_name": "Wanjiku Traders Ltd"})
    api.delete(f"customers/{customer.pk}/emails/{email.json()['data']['id']}", HTTP_X_REQUEST_ID=REQUEST_ID)

    key = ApiKey.objects.get(organization=organization, name="Integration")
    deleted = latest_history(ContactEmail, id=email.json()["data"]["id"])
    created = latest_history(BillingEntity, id=entity.json()["data"]["id"])
    assert (deleted.history_type, deleted.history_api_key, deleted.history_request_id) == ("-", key, REQUEST_ID)
    assert (created.history_type, created.history_api_key) == ("+", key)
    assert created.history_request_id == entity.json()["meta"]["request_id"]


def test_a_session_write_through_the_api_records_the_user_and_no_key(api_as, manager, customer):
    api_as(manager).patch(f"customers/{customer.pk}", {"city": "Mombasa"}, HTTP_X_REQUEST_ID=REQUEST_ID)

    row = latest_history(Customer, id=customer.pk)
    assert (row.history_user, row.history_api_key, row.history_request_id) == (manager, None, REQUEST_ID)


def test_an_admin_edit_records_the_user_and_the_request_id(customer):
    admin = get_user_model().objects.create_superuser("auditor", "auditor@example.co.ke", "Audit-2025!")
    client = Client()
    client.force_login(admin)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    data = form_values(client.get(url).content.decode(), form_id="customer_form")
    data["city"] = "Eldoret"

    response = client.post(url, data, HTTP_X_REQUEST_ID=REQUEST_ID)

    assert response.status_code == 302
    row = latest_history(Customer, id=customer.pk)
    assert (row.city, row.history_user, row.history_api_key, row.history_request_id) == (
        "Eldoret",
        admin,
        None,
        REQUEST_ID,
    )


def test_an_admin_action_records_the_user_and_the_request_id(customer):
    admin = get_user_model().objects.create_superuser("auditor", "auditor@example.co.ke", "Audit-2025!")
    client = Client()
    client.force_login(admin)

    client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "archive_selected", "_selected_action": [customer.pk]},
        HTTP_X_REQUEST_ID=REQUEST_ID,
    )

    row = latest_history(Customer, id=customer.pk)
    assert (row.status, row.history_user, row.history_request_id) == ("archived", admin, REQUEST_ID)


def test_a_service_write_outside_a_request_records_the_actor(customer, manager):
    customer_update(customer=customer, actor=manager, city="Nyeri")

    row = latest_history(Customer, id=customer.pk)
    assert (row.city, row.history_user, row.history_api_key, row.history_request_id) == ("Nyeri", manager, None, "")


def test_the_admin_history_page_shows_the_key_and_the_request_id(api, customer, organization):
    api.patch(f"customers/{customer.pk}", {"city": "Kisumu"}, HTTP_X_REQUEST_ID=REQUEST_ID)
    admin = get_user_model().objects.create_superuser("auditor", "auditor@example.co.ke", "Audit-2025!")
    client = Client()
    client.force_login(admin)

    page = client.get(reverse("admin:customers_customer_history", args=[customer.pk]))

    html = page.content.decode()
    key = ApiKey.objects.get(organization=organization, name="Integration")
    assert page.status_code == 200
    assert REQUEST_ID in html
    assert key.prefix in html
    assert "City:" in html and "Kisumu" in html


def _history_dump() -> str:
    """Every column of every history table, as text."""
    rows = []
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            rows += [repr(row) for row in model.objects.values()]
    return "\n".join(rows)


def test_the_api_keys_secret_never_reaches_the_history_or_the_logs(client, organization, caplog):
    issued = api_key_create(organization=organization, name="Till 3", scope="write")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    caplog.set_level(logging.DEBUG)

    created = client.post("/api/v1/customers", {"custNm": "Achieng Stores"}, content_type="application/json", **auth)
    customer_id = created.json()["data"]["id"]
    client.patch(f"/api/v1/customers/{customer_id}", {"city": "Kisumu"}, content_type="application/json", **auth)
    client.post(f"/api/v1/customers/{customer_id}/emails", {"email": "x@y"}, content_type="application/json", **auth)
    client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {issued.secret}x")
    client.delete(f"/api/v1/customers/{customer_id}", **auth)

    # The random part after the tag and the public prefix (it may itself hold "_" or "-").
    secret_body = issued.secret.removeprefix(f"{API_KEY_TAG}_{issued.api_key.prefix}_")
    assert len(secret_body) >= 40
    history = _history_dump()
    logs = caplog.text + "\n".join(repr(record.__dict__) for record in caplog.records)
    assert created.status_code == 201
    assert f"'history_api_key_id': {issued.api_key.pk}" in history
    assert secret_body not in history
    assert secret_body not in logs


def test_a_password_never_reaches_the_logs_or_the_lockout_records(client, manager, caplog):
    password = "Kilimanjaro-Wrong-2025"
    caplog.set_level(logging.DEBUG)

    for _ in range(6):
        client.post(reverse("admin:login"), {"username": manager.username, "password": password})

    records = "\n".join(
        repr(row)
        for model_name in ("AccessAttempt", "AccessFailureLog", "AccessLog")
        for row in apps.get_model("axes", model_name).objects.values()
    )
    logs = caplog.text + "\n".join(repr(record.__dict__) for record in caplog.records)
    assert manager.username in records
    assert password not in records
    assert password not in logs
