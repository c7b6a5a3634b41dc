"""Concurrent requests through the real HTTP stack: each race has exactly one winner, and no write is lost.

Every request goes over a socket to the live server, which serves each in its own thread with its
own database connection, as separate web workers would.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests

import customers.services
from billing.models import BillingEntity
from billing.services import billing_entity_create
from core.models import IdempotencyRecord
from customers.models import Customer
from transactions.models import Transaction
from transactions.services import balances_recompute, transaction_record

from .conftest import postgres_only

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]

TIMEOUT = 60


class Api:
    """A write key speaking JSON to the live server."""

    def __init__(self, base_url: str, key: str):
        self.base_url = f"{base_url}/api/v1/"
        self.headers = {"Authorization": f"Bearer {key}"}

    def request(self, method: str, path: str, *, json=None, headers=None) -> requests.Response:
        return requests.request(
            method, self.base_url + path, json=json, headers={**self.headers, **(headers or {})}, timeout=TIMEOUT
        )


@pytest.fixture
def live_api(live_server, write_key):
    return Api(live_server.url, write_key)


# The live server's listen backlog is 10 connections; more at once are reset by the kernel.
IN_FLIGHT = 10


def all_at_once(count: int, send) -> list[requests.Response]:
    """Run ``send(i)`` for ``count`` requests, ten in flight at a time; the first ten start together."""
    start = threading.Barrier(min(count, IN_FLIGHT))

    def run(index: int) -> requests.Response:
        if index < start.parties:
            start.wait(timeout=TIMEOUT)
        return send(index)

    with ThreadPoolExecutor(max_workers=start.parties) as pool:
        return list(pool.map(run, range(count)))


def test_twenty_creates_with_one_customer_no_make_one_customer(live_api, organization):
    body = {"branch_id": "00", "customer_no": "CUST-RACE-01", "custNm": "Kamau Hardware", "tin": "P051234567X"}

    answers = all_at_once(20, lambda _: live_api.request("POST", "customers", json=body))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * 19
    conflicts = [answer.json() for answer in answers if answer.status_code == 409]
    assert {conflict["message"] for conflict in conflicts} == {
        "Customer with this customer_no already exists in this branch"
    }
    assert all("customer_no" in conflict["errors"] for conflict in conflicts)
    assert Customer.objects.filter(organization=organization, customer_no="CUST-RACE-01").count() == 1


def test_fifty_concurrent_payments_leave_an_exact_balance(live_api, organization, customer):
    transaction_record(organization=organization, customer=customer, type="opening_balance", total_amount="1000.00")
    payment = {"customer_id": customer.pk, "type": "payment", "total_amount": 10.00}

    answers = all_at_once(
        50, lambda index: live_api.request("POST", "transactions", json={**payment, "reference": f"RCPT-{index:03d}"})
    )

    assert [answer.status_code for answer in answers] == [201] * 50
    customer.refresh_from_db()
    assert customer.balance == Decimal("500.00")
    assert customer.total_credit == Decimal("500.00")
    assert customer.total_transactions == 51
    assert Transaction.objects.filter(customer=customer).count() == 51
    assert balances_recompute(organization=organization, fix=False) == []


def test_concurrent_make_default_on_two_entities_leaves_exactly_one_default(live_api, customer, billing_entity):
    nairobi = billing_entity_create(customer=customer, legal_name="Wanjiku Traders Nairobi", is_default=False)
    mombasa = billing_entity_create(customer=customer, legal_name="Wanjiku Traders Mombasa", is_default=False)
    path = f"customers/{customer.pk}/billing-entities"

    for _ in range(5):
        answers = all_at_once(
            2,
            lambda index: live_api.request("POST", f"{path}/{(nairobi, mombasa)[index].pk}/make-default"),
        )

        assert [answer.status_code for answer in answers] == [200, 200]
        defaults = list(BillingEntity.objects.filter(customer=customer, is_default=True).values_list("pk", flat=True))
        assert len(defaults) == 1
        assert defaults[0] in (nairobi.pk, mombasa.pk)
    listed = live_api.request("GET", path).json()["data"]
    assert [entity["is_default"] for entity in listed].count(True) == 1


def test_concurrent_edits_of_one_version_let_exactly_one_through(live_api, customer):
    etag = live_api.request("GET", f"customers/{customer.pk}").headers["ETag"]

    answers = all_at_once(
        10,
        lambda index: live_api.request(
            "PATCH", f"customers/{customer.pk}", json={"city": f"Town {index}"}, headers={"If-Match": etag}
        ),
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [412] * 9
    winner = next(answer for answer in answers if answer.status_code == 200).json()["data"]["city"]
    customer.refresh_from_db()
    assert customer.city == winner


def test_a_duplicate_sent_while_the_first_request_runs_is_a_409(live_api, monkeypatch):
    create = customers.services.customer_create
    first_started, let_first_finish = threading.Event(), threading.Event()

    def slow_create(**kwargs):
        first_started.set()
        let_first_finish.wait(timeout=TIMEOUT)
        return create(**kwargs)

    monkeypatch.setattr(customers.services, "customer_create", slow_create)
    body = {"custNm": "Otieno Agrovet", "tin": "P000789012Y"}
    headers = {"Idempotency-Key": "till-7-sale-20250117-0001"}

    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(live_api.request, "POST", "customers", json=body, headers=headers)
        assert first_started.wait(timeout=TIMEOUT)
        duplicate = live_api.request("POST", "customers", json=body, headers=headers)
        let_first_finish.set()
        first = first.result(timeout=TIMEOUT)
    retry = live_api.request("POST", "customers", json=body, headers=headers)

    assert duplicate.status_code == 409
    assert "still being processed" in duplicate.json()["message"]
    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    assert Customer.objects.filter(name="Otieno Agrovet").count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_simultaneous_duplicates_write_once(live_api):
    body = {"customer_no": "CUST-IDEM-01", "custNm": "Njeri Pharmacy"}
    headers = {"Idempotency-Key": "njeri-onboarding-0001"}

    answers = all_at_once(10, lambda _: live_api.request("POST", "customers", json=body, headers=headers))

    statuses = [answer.status_code for answer in answers]
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    assert Customer.objects.filter(customer_no="CUST-IDEM-01").count() == 1
    created = [answer for answer in answers if answer.status_code == 201]
    assert len({answer.json()["data"]["id"] for answer in created}) == 1
