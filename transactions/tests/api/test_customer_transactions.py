"""/api/v1/customers/{id}/transactions: one customer's history, filtered and paginated."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from customers.services import customer_soft_delete
from transactions.models import Transaction
from transactions.services import transaction_record, transaction_void

pytestmark = pytest.mark.django_db

ITEM_FIELDS = {
    "id",
    "type",
    "invoice_no",
    "total_amount",
    "tax_amount",
    "status",
    "branch_id",
    "created_at",
    "occurred_at",
    "currency",
}
LIST_QUERY_BOUND = 4  # the API key, the customer, the count, the page


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 1, day, hour, 0, tzinfo=UTC)


def record(customer: Customer, **fields) -> Transaction:
    fields.setdefault("type", "sale")
    fields.setdefault("total_amount", "1000.00")
    return transaction_record(organization=customer.organization, customer=customer, **fields)


def invoice_numbers(response) -> list[str]:
    return [item["invoice_no"] for item in response.json()["data"]]


@pytest.fixture
def history(customer, westlands) -> dict[str, Transaction]:
    """A month of a customer's ledger: sales, a payment, a purchase and a voided sale."""
    entries = {
        "INV-040": record(
            customer, reference="INV-040", total_amount="8500.00", tax_amount="1172.41", occurred_at=at(3)
        ),
        "RCPT-12": record(customer, type="payment", reference="RCPT-12", total_amount="5000.00", occurred_at=at(6)),
        "INV-045": record(
            customer,
            reference="INV-045",
            total_amount="15000.00",
            tax_amount="2068.97",
            occurred_at=at(14, hour=16),
            branch=westlands,
        ),
        "PO-301": record(customer, type="purchase", reference="PO-301", total_amount="1200.00", occurred_at=at(20)),
        "INV-050": record(customer, reference="INV-050", total_amount="300.00", occurred_at=at(25)),
    }
    transaction_void(entry=entries["INV-050"])
    return entries


class TestCustomerTransactions:
    def test_lists_the_customers_entries_newest_first(self, read_api, customer, walk_in, history):
        record(walk_in, reference="CASH-17", occurred_at=at(15))

        response = read_api.get(f"customers/{customer.pk}/transactions")

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "success"
        assert invoice_numbers(response) == ["INV-050", "PO-301", "INV-045", "RCPT-12", "INV-040"]
        assert {key: body["meta"][key] for key in ("total", "per_page", "current_page", "last_page")} == {
            "total": 5,
            "per_page": 25,
            "current_page": 1,
            "last_page": 1,
        }
        assert {"timestamp", "request_id"} <= set(body["meta"])

    def test_item_shape(self, api, customer, history):
        response = api.get(f"customers/{customer.pk}/transactions", {"type": "sales", "status": "success"})

        item = response.json()["data"][0]
        assert set(item) == ITEM_FIELDS
        assert item["id"] == str(history["INV-045"].pk)
        assert (item["type"], item["invoice_no"], item["status"]) == ("sale", "INV-045", "success")
        assert (item["branch_id"], item["currency"], item["occurred_at"]) == ("01", "KES", "2025-01-14T16:00:00Z")
        assert item["created_at"].endswith("Z")
        assert b'"total_amount": 15000.00' in response.content
        assert b'"tax_amount": 2068.97' in response.content

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"type": "sales"}, ["INV-050", "INV-045", "INV-040"]),
            ({"type": "sale"}, ["INV-050", "INV-045", "INV-040"]),
            ({"type": "purchases"}, ["PO-301"]),
            ({"type": "payment"}, ["RCPT-12"]),
            ({"type": "credit_note"}, []),
            ({"status": "void"}, ["INV-050"]),
            ({"type": "sales", "status": "success"}, ["INV-045", "INV-040"]),
            ({"from_date": "2025-01-06", "to_date": "2025-01-14"}, ["INV-045", "RCPT-12"]),
            ({"to_date": "2025-01-05"}, ["INV-040"]),
            ({"from_date": "2025-01-20T12:00:01Z"}, ["INV-050"]),
        ],
    )
    def test_filters(self, api, customer, history, params, expected):
        response = api.get(f"customers/{customer.pk}/transactions", params)

        assert response.status_code == 200
        assert invoice_numbers(response) == expected
        assert response.json()["meta"]["total"] == len(expected)

    def test_pages_and_clamped_page_size(self, api, customer, history):
        second = api.get(f"customers/{customer.pk}/transactions", {"per_page": 2, "page": 2})
        clamped = api.get(f"customers/{customer.pk}/transactions", {"per_page": 500})

        assert invoice_numbers(second) == ["INV-045", "RCPT-12"]
        assert second.json()["meta"]["last_page"] == 3
        assert clamped.json()["meta"]["per_page"] == 100

    def test_page_past_the_end_is_a_404(self, api, customer, history):
        response = api.get(f"customers/{customer.pk}/transactions", {"page": 2})

        assert response.status_code == 404
        assert response.json()["status"] == "error"

    def test_customer_without_entries_has_an_empty_history(self, api, walk_in, history):
        response = api.get(f"customers/{walk_in.pk}/transactions/")

        assert response.status_code == 200
        assert response.json()["data"] == []
        assert response.json()["meta"]["total"] == 0

    def test_viewer_can_read(self, api_as, viewer, customer, history):
        response = api_as(viewer).get(f"customers/{customer.pk}/transactions")

        assert response.status_code == 200
        assert len(response.json()["data"]) == 5

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"type": "invoice"}, "type"),
            ({"status": "paid"}, "status"),
            ({"from_date": "14/01/2025"}, "from_date"),
            ({"from_date": "0001-01-01"}, "from_date"),
            ({"from_date": "2025-01-15", "to_date": "2025-01-14"}, "to_date"),
            ({"customer_id": "1"}, "customer_id"),
            ({"per_page": "ten"}, "per_page"),
        ],
    )
    def test_bad_query_is_a_400(self, api, customer, history, params, field):
        response = api.get(f"customers/{customer.pk}/transactions", params)

        assert response.status_code == 400
        assert response.json()["message"] == "Validation failed"
        assert field in response.json()["errors"]

    @pytest.mark.parametrize("customer_id", ["999999", "CUST001"])
    def test_unknown_customer_is_a_404(self, api, customer, history, customer_id):
        response = api.get(f"customers/{customer_id}/transactions")

        assert response.status_code == 404
        assert response.json()["message"] == "Customer not found"

    def test_another_organizations_customer_is_a_404(self, api, foreign_customer):
        record(foreign_customer, reference="GH-INV-1")

        response = api.get(f"customers/{foreign_customer.pk}/transactions")

        assert response.status_code == 404
        assert response.json()["message"] == "Customer not found"
        assert "GH-INV-1" not in response.content.decode()

    def test_deleted_customer_is_a_404(self, api, customer, history):
        customer_soft_delete(customer=customer)

        response = api.get(f"customers/{customer.pk}/transactions")

        assert response.status_code == 404

    def test_post_is_not_allowed(self, api, customer):
        response = api.post(f"customers/{customer.pk}/transactions", {"total_amount": "100.00"})

        assert response.status_code == 405
        assert not Transaction.objects.exists()

    def test_query_count_does_not_grow_with_rows(self, api, customer, westlands, django_assert_max_num_queries):
        for day in range(1, 4):
            record(customer, reference=f"INV-{day:03d}", occurred_at=at(day))
        api.get(f"customers/{customer.pk}/transactions")  # the key's first use also records last_used_at
        with CaptureQueriesContext(connection) as few:
            api.get(f"customers/{customer.pk}/transactions")

        for n in range(27):
            record(customer, reference=f"INV-{n + 4:03d}", occurred_at=at(n % 28 + 1), branch=westlands)
        with django_assert_max_num_queries(LIST_QUERY_BOUND):
            response = api.get(f"customers/{customer.pk}/transactions", {"per_page": 100})
        with CaptureQueriesContext(connection) as many:
            api.get(f"customers/{customer.pk}/transactions", {"per_page": 100})

        assert len(response.json()["data"]) == 30
        assert len(many) == len(few)
