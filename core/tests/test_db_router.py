"""The read replica takes a GET's reads; writes, and reads after a write or inside a transaction, stay primary.

The test settings define a "replica" alias that mirrors the test database, so both aliases see the
same rows; the assertions look at which connection ran each query. The tests commit their data
(transaction=True) as a real primary would before a replica could see it.
"""

from contextlib import contextmanager

import pytest
from django.db import connections, router, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiKey
from config.db_router import ReplicaReadMiddleware
from customers.models import Customer
from customers.search import search_index_refresh
from customers.selectors import customer_list
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

CUSTOMER_TABLE = f'"{Customer._meta.db_table}"'


@pytest.fixture(autouse=True)
def replica_router(settings):
    settings.DATABASE_ROUTERS = ["config.db_router.PrimaryReplicaRouter"]


@pytest.fixture
def customer(organization):
    return CustomerFactory(
        organization=organization, customer_no="CUST000101", name="Wanjiku Hardware Ltd", phone="+254712345678"
    )


@contextmanager
def customer_reads():
    """Which alias ran each query touching the customers table: {"default": [...], "replica": [...]}."""
    seen: dict[str, list[str]] = {}
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        yield seen
    for alias, captured in (("default", primary), ("replica", replica)):
        seen[alias] = [query["sql"] for query in captured.captured_queries if CUSTOMER_TABLE in query["sql"]]


def key_used_just_now() -> None:
    # The key's last use was recorded a moment ago, so this request writes nothing.
    ApiKey.objects.update(last_used_at=timezone.now())


def test_a_get_reads_the_customer_from_the_replica(api, customer):
    key_used_just_now()

    with customer_reads() as seen:
        response = api.get(f"customers/{customer.pk}")

    assert response.status_code == 200
    assert response.json()["data"]["name"] == "Wanjiku Hardware Ltd"
    assert seen["replica"], "the customer was not read from the replica"
    assert seen["default"] == []


def test_a_get_list_reads_from_the_replica(api, customer):
    key_used_just_now()

    with customer_reads() as seen:
        response = api.get("customers", {"customer_no": "CUST000101"})

    assert response.json()["meta"]["total"] == 1
    assert seen["replica"]
    assert seen["default"] == []


def test_a_quick_search_reads_its_index_and_customers_from_the_replica(api, customer):
    search_index_refresh(customer_ids=[customer.pk])
    key_used_just_now()

    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = api.get("customers/search", {"q": "wanjiku"})

    assert [item["name"] for item in response.json()["data"]] == ["Wanjiku Hardware Ltd"]
    replica_tables = " ".join(query["sql"] for query in replica.captured_queries)
    assert "customers_customersearch" in replica_tables and "FROM customers_customer " in replica_tables
    assert not [query["sql"] for query in primary.captured_queries if "customers_customer" in query["sql"]]


def test_a_get_that_wrote_reads_afterwards_from_the_primary(api, customer):
    # The key was never used: authentication records its first use (a write) before the view reads.
    with customer_reads() as seen:
        response = api.get(f"customers/{customer.pk}")

    assert response.status_code == 200
    assert ApiKey.objects.get().last_used_at is not None
    assert seen["default"]
    assert seen["replica"] == []


def test_a_post_reads_and_writes_only_on_the_primary(api, organization):
    key_used_just_now()

    with customer_reads() as seen:
        response = api.post("customers", {"custNm": "Achieng Traders", "tin": "P051234567X", "phone": "0733345678"})

    assert response.status_code == 201, response.json()
    assert Customer.objects.filter(name="Achieng Traders").exists()
    assert any(sql.startswith("INSERT") for sql in seen["default"])
    assert seen["replica"] == []


def test_reads_in_a_transaction_or_outside_a_request_use_the_primary(organization, customer):
    aliases: dict[str, str] = {}

    def view(request):
        aliases["safe request"] = customer_list(organization=organization, filters={}).db
        with transaction.atomic():
            aliases["in a transaction"] = customer_list(organization=organization, filters={}).db
        return HttpResponse()

    ReplicaReadMiddleware(view)(RequestFactory().get("/customers/"))
    # A Celery task or a management command runs outside any request.
    aliases["outside a request"] = customer_list(organization=organization, filters={}).db

    assert aliases == {"safe request": "replica", "in a transaction": "default", "outside a request": "default"}


def test_signing_in_and_api_keys_are_read_from_the_primary():
    response = ReplicaReadMiddleware(
        lambda request: HttpResponse(f"{router.db_for_read(ApiKey)},{router.db_for_read(Customer)}")
    )(RequestFactory().get("/"))

    assert response.content.decode() == "default,replica"


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "customers") is True
    assert router.allow_migrate("replica", "customers") is False
