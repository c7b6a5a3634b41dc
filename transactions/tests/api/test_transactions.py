"""/api/v1/transactions: record, list, read and void ledger entries; balances follow."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services import billing_entity_create, billing_entity_deactivate
from customers.models import Customer
from customers.services import customer_create, customer_soft_delete
from transactions.models import Transaction, TransactionStatus
from transactions.services import transaction_record, transaction_void

pytestmark = pytest.mark.django_db

ENTRY_FIELDS = {
    "id",
    "type",
    "reference",
    "invoice_no",
    "occurred_at",
    "currency",
    "total_amount",
    "tax_amount",
    "status",
    "customer_id",
    "customer",
    "billing_entity_id",
    "branch_id",
    "description",
    "created_at",
    "voided_at",
}
LIST_QUERY_BOUND = 3  # the API key, the count, the page


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 1, day, hour, 0, tzinfo=UTC)


def record(customer: Customer, **fields) -> Transaction:
    fields.setdefault("type", "sale")
    fields.setdefault("total_amount", "1000.00")
    return transaction_record(organization=customer.organization, customer=customer, **fields)


def sale_payload(customer: Customer, **overrides) -> dict:
    return {
        "customer_id": customer.pk,
        "type": "sale",
        "invoice_no": "INV-045",
        "total_amount": "100.50",
        "tax_amount": "13.86",
        "occurred_at": "2025-01-14T16:30:00Z",
        **overrides,
    }


def customer_figures(api, customer: Customer) -> dict:
    data = api.get(f"customers/{customer.pk}").json()["data"]
    return {
        "balance": data["balance"],
        "total_transactions": data["total_transactions"],
        "total_sales_amount": data["transaction_summary"]["total_sales_amount"],
    }


class TestRecord:
    def test_records_a_sale_and_the_customer_balance_follows(self, api, customer):
        response = api.post("transactions", sale_payload(customer))

        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "success"
        assert body["message"] == "Transaction recorded successfully"
        assert set(body["meta"]) >= {"timestamp", "request_id"}
        data = body["data"]
        assert set(data) == ENTRY_FIELDS
        assert uuid.UUID(data["id"])
        assert data["type"] == "sale"
        assert data["reference"] == data["invoice_no"] == "INV-045"
        assert data["occurred_at"] == "2025-01-14T16:30:00Z"
        assert data["currency"] == "KES"
        assert data["status"] == "success"
        assert data["branch_id"] == "00"
        assert data["customer"] == {"id": customer.pk, "customer_no": "CUST001", "name": "ABC Trading Ltd"}
        assert data["voided_at"] is None
        # Money keeps its two decimals on the wire.
        assert b'"total_amount": 100.50' in response.content
        assert b'"tax_amount": 13.86' in response.content
        assert customer_figures(api, customer) == {
            "balance": 100.5,
            "total_transactions": 1,
            "total_sales_amount": 100.5,
        }

    def test_payment_lowers_what_the_customer_owes(self, api, customer):
        api.post("transactions", sale_payload(customer, total_amount="15000.00", tax_amount="2068.97"))

        response = api.post(
            "transactions",
            {"customer_id": customer.pk, "type": "payment", "total_amount": 4000, "reference": "RCPT-0091"},
        )

        assert response.status_code == 201
        assert response.json()["data"]["tax_amount"] == 0
        assert customer_figures(api, customer) == {
            "balance": 11000.0,
            "total_transactions": 2,
            "total_sales_amount": 15000.0,
        }

    def test_plural_type_names_are_stored_as_the_type(self, api, customer):
        response = api.post("transactions", sale_payload(customer, type="purchases"))

        assert response.status_code == 201
        assert response.json()["data"]["type"] == "purchase"
        assert Transaction.objects.get().type == "purchase"

    def test_reference_is_accepted_under_its_own_name(self, api, customer):
        payload = sale_payload(customer, reference="INV-2025-0001")
        del payload["invoice_no"]

        response = api.post("transactions", payload)

        assert response.json()["data"]["invoice_no"] == "INV-2025-0001"

    def test_minimal_entry_takes_the_customer_defaults(self, api, customer):
        entity = billing_entity_create(customer=customer, legal_name="ABC Trading Ltd", tax_id="A051234567Z")

        response = api.post("transactions", {"customer_id": customer.pk, "total_amount": 2500})

        data = response.json()["data"]
        assert response.status_code == 201
        assert (data["type"], data["currency"], data["branch_id"], data["status"]) == ("sale", "KES", "00", "success")
        assert data["billing_entity_id"] == entity.pk
        assert data["reference"] == ""
        occurred = datetime.fromisoformat(data["occurred_at"].replace("Z", "+00:00"))
        assert abs(datetime.now(UTC) - occurred) < timedelta(minutes=1)

    def test_branch_code_billing_entity_and_currency_are_resolved(self, api, customer, westlands):
        billing_entity_create(customer=customer, legal_name="ABC Trading Ltd")
        second = billing_entity_create(customer=customer, legal_name="ABC Trading (Mombasa) Ltd")

        response = api.post(
            "transactions",
            sale_payload(customer, branch_id="01", billing_entity_id=second.pk, currency="usd", description="Export"),
        )

        data = response.json()["data"]
        assert response.status_code == 201
        assert (data["branch_id"], data["billing_entity_id"], data["currency"]) == ("01", second.pk, "USD")
        assert data["description"] == "Export"
        assert Transaction.objects.get().branch == westlands

    def test_pending_entry_does_not_count_in_the_balance(self, api, customer):
        response = api.post("transactions", sale_payload(customer, status="pending"))

        assert response.json()["data"]["status"] == "pending"
        assert customer_figures(api, customer) == {"balance": 0, "total_transactions": 0, "total_sales_amount": 0}

    def test_clerk_records_a_transaction(self, api_as, clerk, customer):
        response = api_as(clerk).post("transactions", sale_payload(customer))

        assert response.status_code == 201
        assert Transaction.objects.get().created_by == clerk

    def test_trailing_slash_is_accepted(self, api, customer):
        response = api.post("transactions/", sale_payload(customer))

        assert response.status_code == 201


class TestRecordValidation:
    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"total_amount": "100.00", "tax_amount": "150.00"}, "tax_amount"),
            ({"total_amount": "-100.00"}, "total_amount"),
            ({"total_amount": 0}, "total_amount"),
            ({"total_amount": "12.345"}, "total_amount"),
            ({"total_amount": "one hundred"}, "total_amount"),
            ({"tax_amount": "-1.00"}, "tax_amount"),
            ({"type": "invoice"}, "type"),
            ({"status": "void"}, "status"),
            ({"status": "paid"}, "status"),
            ({"currency": "KSHS"}, "currency"),
            ({"occurred_at": "14/01/2025"}, "occurred_at"),
            ({"branch_id": "99"}, "branch_id"),
            ({"billing_entity_id": 999999}, "billing_entity_id"),
            ({"customer_id": 999999}, "customer_id"),
            ({"customer_id": "CUST001"}, "customer_id"),
            ({"reference": "INV-" + "9" * 100}, "reference"),
        ],
    )
    def test_invalid_entry_is_a_400_naming_the_field(self, api, customer, overrides, field):
        response = api.post("transactions", sale_payload(customer, **overrides))

        assert response.status_code == 400
        body = response.json()
        assert body["status"] == "error"
        assert body["message"] == "Validation failed"
        assert field in body["errors"]
        assert not Transaction.objects.exists()
        assert customer_figures(api, customer)["balance"] == 0

    def test_tax_above_total_says_why(self, api, customer):
        response = api.post("transactions", sale_payload(customer, total_amount="100.00", tax_amount="150.00"))

        assert response.json()["errors"]["tax_amount"] == ["The tax amount cannot exceed the total amount."]

    def test_customer_id_is_required(self, api, customer):
        payload = sale_payload(customer)
        del payload["customer_id"]

        response = api.post("transactions", payload)

        assert response.status_code == 400
        assert "customer_id" in response.json()["errors"]

    def test_another_organizations_customer_is_unknown(self, api, customer, foreign_customer):
        response = api.post("transactions", sale_payload(foreign_customer))

        assert response.status_code == 400
        assert response.json()["errors"]["customer_id"] == [f"Unknown customer {foreign_customer.pk}."]
        foreign_customer.refresh_from_db()
        assert foreign_customer.balance == Decimal("0.00")

    def test_deleted_customer_is_unknown(self, api, customer):
        customer_soft_delete(customer=customer)

        response = api.post("transactions", sale_payload(customer))

        assert response.status_code == 400
        assert "customer_id" in response.json()["errors"]

    def test_billing_entity_of_another_customer_is_refused(self, api, customer, walk_in):
        entity = billing_entity_create(customer=walk_in, legal_name="Walk-in Sales")

        response = api.post("transactions", sale_payload(customer, billing_entity_id=entity.pk))

        assert response.status_code == 400
        assert "billing_entity_id" in response.json()["errors"]

    def test_inactive_billing_entity_is_refused(self, api, customer):
        billing_entity_create(customer=customer, legal_name="ABC Trading Ltd")
        old = billing_entity_create(customer=customer, legal_name="ABC Traders (old name)")
        billing_entity_deactivate(entity=old)

        response = api.post("transactions", sale_payload(customer, billing_entity_id=old.pk))

        assert response.status_code == 400
        assert response.json()["errors"]["billing_entity_id"] == ["Choose an active billing entity of this customer."]

    def test_malformed_json_is_a_400_envelope(self, api, customer):
        response = api.post("transactions", '{"customer_id": 1, "total_amount": ')

        assert response.status_code == 400
        body = response.json()
        assert body["status"] == "error"
        assert body["message"].startswith("Malformed JSON")
        assert not Transaction.objects.exists()

    def test_a_json_array_is_refused(self, api, customer):
        response = api.post("transactions", json.dumps([sale_payload(customer)]))

        assert response.status_code == 400
        assert "non_field_errors" in response.json()["errors"]


class TestRecordPermissions:
    def test_viewer_cannot_record(self, api_as, viewer, customer):
        response = api_as(viewer).post("transactions", sale_payload(customer))

        assert response.status_code == 403
        assert response.json()["status"] == "error"
        assert not Transaction.objects.exists()

    def test_read_key_cannot_record(self, read_api, customer):
        response = read_api.post("transactions", sale_payload(customer))

        assert response.status_code == 403
        assert not Transaction.objects.exists()

    def test_without_a_key_is_a_401(self, client, customer):
        response = client.post("/api/v1/transactions", sale_payload(customer), content_type="application/json")

        assert response.status_code == 401
        assert not Transaction.objects.exists()


class TestRetrieve:
    def test_returns_the_entry(self, read_api, customer):
        entry = record(customer, reference="INV-045", total_amount="15000.00", tax_amount="2068.97")

        response = read_api.get(f"transactions/{entry.pk}")

        assert response.status_code == 200
        data = response.json()["data"]
        assert set(data) == ENTRY_FIELDS
        assert data["id"] == str(entry.pk)
        assert data["invoice_no"] == "INV-045"
        assert b'"total_amount": 15000.00' in response.content

    @pytest.mark.parametrize("transaction_id", ["not-a-uuid", "12", "5f0c7b8e-2d4a-4c1e-9a7b-3e6f1d2c4b5a"])
    def test_unknown_id_is_a_404(self, api, customer, transaction_id):
        record(customer)

        response = api.get(f"transactions/{transaction_id}")

        assert response.status_code == 404
        assert response.json()["message"] == "Transaction not found"

    def test_another_organizations_entry_is_a_404(self, api, foreign_customer):
        entry = record(foreign_customer)

        response = api.get(f"transactions/{entry.pk}")

        assert response.status_code == 404
        assert response.json()["message"] == "Transaction not found"


class TestVoid:
    def test_manager_voids_and_the_balance_returns(self, api_as, manager, api, customer):
        entry = record(customer, total_amount="100.50")

        response = api_as(manager).post(f"transactions/{entry.pk}/void")

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Transaction voided successfully"
        assert body["data"]["status"] == "void"
        assert body["data"]["voided_at"] is not None
        assert customer_figures(api, customer) == {"balance": 0, "total_transactions": 0, "total_sales_amount": 0}
        entry.refresh_from_db()
        assert entry.voided_by == manager

    def test_write_key_voids(self, api, customer):
        entry = record(customer)

        response = api.post(f"transactions/{entry.pk}/void/")

        assert response.status_code == 200
        assert Transaction.objects.get().status == TransactionStatus.VOID

    def test_voiding_twice_is_a_400(self, api, customer):
        entry = record(customer, total_amount="500.00")
        record(customer, type="payment", total_amount="200.00")
        api.post(f"transactions/{entry.pk}/void")

        response = api.post(f"transactions/{entry.pk}/void")

        assert response.status_code == 400
        assert response.json()["message"] == "This transaction is already void."
        assert response.json()["errors"] == {"status": ["This transaction is already void."]}
        assert customer_figures(api, customer)["balance"] == -200.0

    def test_clerk_cannot_void(self, api_as, clerk, api, customer):
        entry = record(customer, total_amount="750.00")

        response = api_as(clerk).post(f"transactions/{entry.pk}/void")

        assert response.status_code == 403
        assert Transaction.objects.get().status == TransactionStatus.SUCCESS
        assert customer_figures(api, customer)["balance"] == 750.0

    def test_read_key_cannot_void(self, read_api, customer):
        entry = record(customer)

        response = read_api.post(f"transactions/{entry.pk}/void")

        assert response.status_code == 403
        assert Transaction.objects.get().status == TransactionStatus.SUCCESS

    def test_another_organizations_entry_is_a_404_and_stays(self, api, foreign_customer):
        entry = record(foreign_customer, total_amount="300.00")

        response = api.post(f"transactions/{entry.pk}/void")

        assert response.status_code == 404
        assert response.json()["message"] == "Transaction not found"
        foreign_customer.refresh_from_db()
        assert (Transaction.objects.get().status, foreign_customer.balance) == ("success", Decimal("300.00"))

    def test_get_is_not_allowed(self, api, customer):
        entry = record(customer)

        response = api.get(f"transactions/{entry.pk}/void")

        assert response.status_code == 405
        assert response.json()["status"] == "error"


class TestList:
    def test_lists_this_organizations_entries_newest_first(self, read_api, customer, walk_in, foreign_customer):
        old = record(customer, reference="INV-001", occurred_at=at(2))
        new = record(walk_in, reference="CASH-17", occurred_at=at(9))
        middle = record(customer, type="payment", reference="RCPT-3", occurred_at=at(5))
        record(foreign_customer, reference="INV-001", occurred_at=at(10))

        response = read_api.get("transactions")

        assert response.status_code == 200
        body = response.json()
        assert [item["id"] for item in body["data"]] == [str(new.pk), str(middle.pk), str(old.pk)]
        assert set(body["data"][0]) == ENTRY_FIELDS
        assert body["meta"]["total"] == 3
        assert {key: body["meta"][key] for key in ("per_page", "current_page", "last_page")} == {
            "per_page": 25,
            "current_page": 1,
            "last_page": 1,
        }
        assert {"timestamp", "request_id"} <= set(body["meta"])

    def test_other_organization_sees_only_its_own(self, other_api, customer, foreign_customer):
        record(customer, reference="INV-001")
        theirs = record(foreign_customer, reference="GH-INV-1")

        response = other_api.get("transactions")

        assert [item["id"] for item in response.json()["data"]] == [str(theirs.pk)]

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"type": "sales"}, ["INV-002", "INV-001"]),
            ({"type": "sale"}, ["INV-002", "INV-001"]),
            ({"type": "purchases"}, ["PO-77"]),
            ({"type": "payment"}, ["RCPT-3"]),
            ({"status": "void"}, ["INV-002"]),
            ({"status": "success"}, ["PO-77", "RCPT-3", "INV-001"]),
            ({"from_date": "2025-01-05", "to_date": "2025-01-09"}, ["INV-002", "RCPT-3"]),
            ({"from_date": "2025-01-09T13:00:00Z"}, ["PO-77"]),
            ({"reference": "RCPT-3"}, ["RCPT-3"]),
        ],
    )
    def test_filters(self, api, customer, params, expected):
        record(customer, reference="INV-001", occurred_at=at(2))
        record(customer, type="payment", reference="RCPT-3", occurred_at=at(5))
        voided = record(customer, reference="INV-002", occurred_at=at(9, hour=8))
        record(customer, type="purchase", reference="PO-77", occurred_at=at(12))
        transaction_void(entry=voided)

        response = api.get("transactions", params)

        assert response.status_code == 200
        assert [item["invoice_no"] for item in response.json()["data"]] == expected

    def test_customer_filter(self, api, customer, walk_in):
        record(customer, reference="INV-001")
        record(walk_in, reference="CASH-17")

        response = api.get("transactions", {"customer_id": walk_in.pk})

        assert [item["invoice_no"] for item in response.json()["data"]] == ["CASH-17"]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"type": "invoice"}, "type"),
            ({"status": "paid"}, "status"),
            ({"from_date": "2025-02-30"}, "from_date"),
            ({"to_date": "yesterday"}, "to_date"),
            ({"customer": "1"}, "customer"),
            ({"page": "0"}, "page"),
        ],
    )
    def test_bad_query_is_a_400(self, api, customer, params, field):
        response = api.get("transactions", params)

        assert response.status_code == 400
        assert response.json()["message"] == "Validation failed"
        assert field in response.json()["errors"]

    def test_pages(self, api, customer):
        for day in range(1, 6):
            record(customer, reference=f"INV-00{day}", occurred_at=at(day))

        response = api.get("transactions", {"per_page": 2, "page": 2})

        body = response.json()
        assert [item["invoice_no"] for item in body["data"]] == ["INV-003", "INV-002"]
        assert {key: body["meta"][key] for key in ("total", "per_page", "current_page", "last_page")} == {
            "total": 5,
            "per_page": 2,
            "current_page": 2,
            "last_page": 3,
        }

    def test_query_count_does_not_grow_with_rows(self, api, organization, django_assert_max_num_queries):
        customers = [
            customer_create(organization=organization, name=f"Duka la Mama {n}", phone=f"+25471234{n:04d}")
            for n in range(6)
        ]
        for n in range(3):
            record(customers[n], reference=f"INV-{n}")
        api.get("transactions")  # the key's first use also records last_used_at
        with CaptureQueriesContext(connection) as few:
            api.get("transactions")

        for n in range(27):
            record(customers[n % 6], reference=f"INV-{n + 3}", type="payment" if n % 2 else "sale")
        with django_assert_max_num_queries(LIST_QUERY_BOUND):
            response = api.get("transactions", {"per_page": 100})
        with CaptureQueriesContext(connection) as many:
            api.get("transactions", {"per_page": 100})

        assert len(response.json()["data"]) == 30
        assert len(many) == len(few)
