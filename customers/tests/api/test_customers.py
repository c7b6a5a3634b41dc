"""/api/v1/customers: list, create, detail, update, delete, search, summary and status changes."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import branch_create
from billing.services import billing_entity_create
from customers import search
from customers.api.serializers import CustomerSearchOutputSerializer
from customers.models import Customer
from customers.services import (
    bank_account_create,
    contact_email_create,
    contact_phone_create,
    customer_archive,
    customer_block,
    customer_create,
    customer_soft_delete,
)
from tests.factories import (
    BillingEntityFactory,
    CategoryFactory,
    ContactEmailFactory,
    ContactOriginFactory,
    ContactPhoneFactory,
    CustomerFactory,
    CustomerGroupFactory,
)
from transactions.models import Transaction
from transactions.services import balances_recompute, transaction_record

pytestmark = pytest.mark.django_db

LIST_ITEM_FIELDS = {
    "id",
    "uid",
    "customer_no",
    "name",
    "type",
    "status",
    "tin",
    "phone",
    "email",
    "address",
    "branch_id",
    "category_id",
    "is_active",
    "balance",
    "total_transactions",
    "created_at",
    "updated_at",
}
# Every field of SPEC §4 a customer's detail shows, beside the list's.
DETAIL_EXTRA_FIELDS = {
    "legal_name",
    "alias",
    "registration_number",
    "vat_number",
    "ean_number",
    "country",
    "language",
    "currency",
    "city",
    "postal_code",
    "location",
    "website",
    "contact_first_name",
    "contact_last_name",
    "contact_phone",
    "branch_name",
    "category",
    "group",
    "finance_code",
    "origin",
    "invoice_attention",
    "invoice_email",
    "credit_limit",
    "vat_zone",
    "payment_terms",
    "discount_percent",
    "metadata",
    "source",
    "used_in_booked",
    "total_debit",
    "total_credit",
    "deposit_amount",
    "last_transaction_at",
    "emails",
    "phones",
    "billing_entities",
    "bank_accounts",
    "transaction_summary",
    "recent_transactions",
}
SPEC_CREATE_BODY = {
    "branch_id": "00",
    "customer_no": "CUST003",
    "custNm": "XYZ Enterprises",
    "tin": "P000789012Y",
    "phone": "+254733345678",
    "email": "contact@xyz.co.ke",
}
NOT_FOUND = {"status": "error", "message": "Customer not found"}
NAIROBI = ZoneInfo("Africa/Nairobi")


@pytest.fixture
def westlands(organization):
    return branch_create(organization=organization, code="01", name="Westlands")


def new_customer(organization, **data) -> Customer:
    return customer_create(organization=organization, **data)


def names(response) -> list[str]:
    return [item["name"] for item in response.json()["data"]]


def assert_envelope(body: dict) -> None:
    assert body["status"] == "success"
    assert body["meta"]["timestamp"].endswith("Z")
    assert body["meta"]["request_id"]


def assert_error(response, status: int, message: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "error"
    if message is not None:
        assert body["message"] == message
    return body


def assert_validation(response, field: str) -> list[str]:
    body = assert_error(response, 400, "Validation failed")
    assert field in body["errors"], body
    return body["errors"][field]


# List


def test_list_answers_the_envelope_with_the_fields_of_each_customer_and_the_page_meta(api, organization):
    new_customer(
        organization,
        customer_no="CUST001",
        name="ABC Trading Ltd",
        tax_id="P000123456X",
        phone="0712 345 678",
        email="info@abctrading.co.ke",
        address="Moi Avenue, Nairobi",
    )
    new_customer(organization, customer_no="CUST002", name="Jane Wanjiku")

    response = api.get("customers")

    assert response.status_code == 200
    body = response.json()
    assert_envelope(body)
    assert (body["meta"]["total"], body["meta"]["total_is_exact"]) == (2, True)
    assert (body["meta"]["per_page"], body["meta"]["current_page"], body["meta"]["last_page"]) == (25, 1, 1)
    abc, jane = body["data"]
    assert set(abc) == LIST_ITEM_FIELDS
    assert abc["customer_no"] == "CUST001"
    assert abc["name"] == "ABC Trading Ltd"
    assert abc["tin"] == "P000123456X"
    assert abc["phone"] == "+254712345678"
    assert abc["email"] == "info@abctrading.co.ke"
    assert abc["address"] == "Moi Avenue, Nairobi"
    assert (abc["branch_id"], abc["category_id"]) == ("00", None)
    assert (abc["type"], abc["status"], abc["is_active"]) == ("individual", "active", True)
    assert (abc["balance"], abc["total_transactions"]) == (0, 0)
    assert abc["created_at"].endswith("Z")
    assert jane["tin"] is None


def test_list_pages_with_per_page_and_clamps_per_page_to_100(api, organization):
    for number in range(1, 31):
        CustomerFactory(organization=organization, name=f"Duka {number:02d}")

    second = api.get("customers", {"page": 2, "per_page": 10}).json()
    clamped = api.get("customers", {"per_page": 500}).json()

    assert [item["name"] for item in second["data"]] == [f"Duka {number:02d}" for number in range(11, 21)]
    assert {key: second["meta"][key] for key in ("total", "per_page", "current_page", "last_page")} == {
        "total": 30,
        "per_page": 10,
        "current_page": 2,
        "last_page": 3,
    }
    assert clamped["meta"]["per_page"] == 100
    assert len(clamped["data"]) == 30


def test_a_page_past_the_last_is_a_404_that_names_the_last_page(api, organization):
    CustomerFactory.create_batch(3, organization=organization)

    response = api.get("customers", {"page": 2, "per_page": 3})

    body = assert_error(response, 404)
    assert "last page is 1" in body["message"]


def test_a_list_of_more_matches_than_are_counted_says_so_and_ends_its_pages_there(api, organization, settings):
    settings.LIST_EXACT_TOTAL_UP_TO = 4
    for number in range(1, 8):
        new_customer(organization, name=f"Duka {number:02d}")

    first = api.get("customers", {"per_page": 2}).json()
    last = api.get("customers", {"per_page": 2, "page": 2}).json()
    past = api.get("customers", {"per_page": 2, "page": 3})
    counted = api.get("customers", {"per_page": 2, "search": "duka 0"}).json()
    few = api.get("customers", {"search": "duka 03"}).json()

    assert {key: first["meta"][key] for key in ("total", "total_is_exact", "last_page")} == {
        "total": 4,
        "total_is_exact": False,
        "last_page": 2,
    }
    assert [item["name"] for item in last["data"]] == ["Duka 03", "Duka 04"]
    body = assert_error(past, 404)
    assert "the last page is 2" in body["message"]
    assert "Only the first 4 matches are paged" in body["message"]
    assert (counted["meta"]["total"], counted["meta"]["total_is_exact"]) == (4, False)
    assert (few["meta"]["total"], few["meta"]["total_is_exact"]) == (1, True)


@pytest.mark.parametrize("params", [{"page": "abc"}, {"page": "0"}, {"per_page": "-5"}, {"per_page": "ten"}])
def test_a_page_or_per_page_that_is_not_a_positive_number_is_a_400(api, params):
    field = next(iter(params))

    assert assert_validation(api.get("customers", params), field)


def test_list_filters_by_branch_code(api, organization, westlands):
    new_customer(organization, name="Nairobi CBD Hardware")
    new_customer(organization, name="Westgate Pharmacy", branch=westlands)

    assert names(api.get("customers", {"branch_id": "01"})) == ["Westgate Pharmacy"]
    assert names(api.get("customers", {"branch_id": "00"})) == ["Nairobi CBD Hardware"]
    assert names(api.get("customers", {"branch_id": "99"})) == []


def test_list_search_finds_by_part_of_a_name_and_by_phone_digits(api, organization):
    new_customer(organization, name="Jane Wanjiku", phone="+254712345678")
    new_customer(organization, name="ABC Trading Ltd", phone="+254733345678")

    assert names(api.get("customers", {"search": "wanjiku"})) == ["Jane Wanjiku"]
    assert names(api.get("customers", {"search": "0733 345 678"})) == ["ABC Trading Ltd"]


def test_list_filters_by_status_with_inactive_meaning_blocked_or_archived(api, organization):
    new_customer(organization, name="Active Agrovet")
    customer_block(customer=new_customer(organization, name="Blocked Butchery"))
    customer_archive(customer=new_customer(organization, name="Archived Autoparts"))

    assert names(api.get("customers", {"status": "active"})) == ["Active Agrovet"]
    assert names(api.get("customers", {"status": "inactive"})) == ["Archived Autoparts", "Blocked Butchery"]
    assert names(api.get("customers", {"status": "blocked"})) == ["Blocked Butchery"]
    assert names(api.get("customers", {"status": "archived"})) == ["Archived Autoparts"]
    assert assert_validation(api.get("customers", {"status": "deleted"}), "status")


def test_list_filters_by_type_category_group_origin_number_and_tin(api, organization):
    wholesale = CategoryFactory(organization=organization, name="Wholesale")
    key_accounts = CustomerGroupFactory(organization=organization, name="Key accounts")
    referral = ContactOriginFactory(organization=organization, name="Referral")
    new_customer(
        organization,
        customer_no="KA-001",
        name="Kenya Millers Ltd",
        type="company",
        tax_id="A000123456Z",
        category=wholesale,
        group=key_accounts,
        origin=referral,
    )
    new_customer(organization, customer_no="IND-001", name="Jane Wanjiku", tax_id="P051234567X")

    assert names(api.get("customers", {"type": "company"})) == ["Kenya Millers Ltd"]
    assert names(api.get("customers", {"type": "individual"})) == ["Jane Wanjiku"]
    assert names(api.get("customers", {"category_id": wholesale.pk})) == ["Kenya Millers Ltd"]
    assert names(api.get("customers", {"group_id": key_accounts.pk})) == ["Kenya Millers Ltd"]
    assert names(api.get("customers", {"origin_id": referral.pk})) == ["Kenya Millers Ltd"]
    assert names(api.get("customers", {"customer_no": "IND-001"})) == ["Jane Wanjiku"]
    assert names(api.get("customers", {"tin": "p051234567x"})) == ["Jane Wanjiku"]
    assert assert_validation(api.get("customers", {"category_id": "wholesale"}), "category_id")


def test_list_filters_by_creation_dates_with_created_to_inclusive(api, organization):
    for name, created in [
        ("Early January Stores", datetime(2025, 1, 5, 9, tzinfo=UTC)),
        ("Mid January Stores", datetime(2025, 1, 15, 18, tzinfo=UTC)),
        ("Late January Stores", datetime(2025, 1, 25, 9, tzinfo=UTC)),
    ]:
        customer = new_customer(organization, name=name)
        Customer.objects.filter(pk=customer.pk).update(created_at=created)

    between = api.get("customers", {"created_from": "2025-01-10", "created_to": "2025-01-15"})
    since = api.get("customers", {"created_from": "2025-01-15T12:00:00Z"})

    assert names(between) == ["Mid January Stores"]
    assert names(since) == ["Late January Stores", "Mid January Stores"]
    assert assert_validation(api.get("customers", {"created_from": "15/01/2025"}), "created_from")
    # A day at the calendar's edge is out of range, named by the parameter that carried it.
    assert assert_validation(api.get("customers", {"created_from": "0001-01-01"}), "created_from")
    assert assert_validation(api.get("customers", {"updated_since": "0001-01-01"}), "updated_since")
    # A range that ends before it starts is refused, naming its end; one day is a range.
    reversed_range = api.get("customers", {"created_from": "2025-01-15", "created_to": "2025-01-10"})
    assert assert_validation(reversed_range, "created_to") == ["This is before created_from."]
    assert names(api.get("customers", {"created_from": "2025-01-15", "created_to": "2025-01-15"})) == [
        "Mid January Stores"
    ]


def test_list_filters_by_updated_since_an_iso_time_with_its_offset(api, organization):
    for name, updated in [
        ("Stale Supplies", datetime(2025, 3, 1, 8, tzinfo=UTC)),
        ("Fresh Foods", datetime(2025, 3, 1, 10, tzinfo=UTC)),
    ]:
        customer = new_customer(organization, name=name)
        Customer.objects.filter(pk=customer.pk).update(updated_at=updated)

    assert names(api.get("customers", {"updated_since": "2025-03-01T09:00:00Z"})) == ["Fresh Foods"]
    # 11:00 in Nairobi is 08:00 UTC.
    assert names(api.get("customers", {"updated_since": "2025-03-01T11:00:00+03:00"})) == [
        "Fresh Foods",
        "Stale Supplies",
    ]


def test_list_orders_by_balance_descending_and_by_name(api, organization):
    owes_little = new_customer(organization, name="Amani Kiosk")
    owes_most = new_customer(organization, name="Baraka Wholesalers")
    in_credit = new_customer(organization, name="Chui Hardware")
    transaction_record(organization=organization, customer=owes_little, type="sale", total_amount="150.50")
    transaction_record(organization=organization, customer=owes_most, type="sale", total_amount="5000")
    transaction_record(organization=organization, customer=in_credit, type="deposit", total_amount="300")

    by_balance = api.get("customers", {"ordering": "-balance"})

    assert names(by_balance) == ["Baraka Wholesalers", "Amani Kiosk", "Chui Hardware"]
    assert [item["balance"] for item in by_balance.json()["data"]] == [5000, 150.5, -300]
    assert names(api.get("customers", {"ordering": "-name"})) == ["Chui Hardware", "Baraka Wholesalers", "Amani Kiosk"]
    assert assert_validation(api.get("customers", {"ordering": "secret_field"}), "ordering")


def test_an_unknown_list_filter_is_a_400_naming_it(api):
    errors = assert_validation(api.get("customers", {"colour": "red"}), "colour")

    assert "Unknown query parameter" in errors[0]
    # The allowed names include the page parameters of a paginated list.
    assert "page" in errors[0] and "per_page" in errors[0] and "search" in errors[0]


def test_page_parameters_are_unknown_where_nothing_is_paginated(api):
    errors = assert_validation(api.get("customers/search", {"q": "wanjiku", "page": "2"}), "page")

    assert errors == ["Unknown query parameter. Allowed: branch_id, limit, q."]


def test_the_list_never_shows_another_organizations_customers(api, organization, other_organization):
    new_customer(organization, name="Our Customer")
    new_customer(other_organization, name="Their Customer")

    response = api.get("customers", {"search": "customer"})

    assert names(response) == ["Our Customer"]
    assert response.json()["meta"]["total"] == 1


# Create


def test_creating_the_spec_example_answers_201_with_the_message_and_the_customer(api, organization):
    response = api.post("customers", SPEC_CREATE_BODY)

    assert response.status_code == 201, response.content
    body = response.json()
    assert_envelope(body)
    assert body["message"] == "Customer created successfully"
    data = body["data"]
    assert isinstance(data["id"], int)
    assert data["customer_no"] == "CUST003"
    assert data["name"] == "XYZ Enterprises"
    assert data["tin"] == "P000789012Y"
    assert data["phone"] == "+254733345678"
    assert data["email"] == "contact@xyz.co.ke"
    assert (data["branch_id"], data["is_active"], data["source"]) == ("00", True, "api")
    stored = Customer.objects.get(pk=data["id"])
    assert (stored.organization, stored.name, stored.tax_id) == (organization, "XYZ Enterprises", "P000789012Y")


def test_a_customer_without_customer_no_gets_the_next_generated_number(api):
    first = api.post("customers", {"name": "Jane Wanjiku"})
    second = api.post("customers", {"custNm": "Otieno Electricals"})

    assert first.status_code == second.status_code == 201
    assert first.json()["data"]["customer_no"] == "CUST000001"
    assert second.json()["data"]["customer_no"] == "CUST000002"


def test_a_duplicate_customer_no_in_the_same_branch_is_a_409(api, organization, westlands):
    new_customer(organization, customer_no="CUST003", name="The First XYZ")

    duplicate = api.post("customers", SPEC_CREATE_BODY)
    other_branch = api.post("customers", {**SPEC_CREATE_BODY, "branch_id": "01"})

    body = assert_error(duplicate, 409, "Customer with this customer_no already exists in this branch")
    assert body["errors"]["customer_no"] == ["Customer with this customer_no already exists in this branch"]
    assert other_branch.status_code == 201
    assert Customer.objects.filter(organization=organization, customer_no="CUST003").count() == 2


def test_a_kra_pin_of_the_wrong_format_is_a_400_on_tin(api, organization):
    errors = assert_validation(api.post("customers", {**SPEC_CREATE_BODY, "tin": "P0007890"}), "tin")

    assert errors == ["The tin format is invalid."]
    assert not Customer.objects.filter(organization=organization).exists()


def test_an_unparseable_phone_is_a_400_on_phone(api, organization):
    errors = assert_validation(api.post("customers", {**SPEC_CREATE_BODY, "phone": "call me maybe"}), "phone")

    assert "phone" in errors[0].lower()
    assert not Customer.objects.filter(organization=organization).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "XX", "Use an ISO 3166-1 alpha-2 country code, for example KE."),
        ("currency", "XYZ", "Use an ISO 4217 currency code, for example KES."),
        ("language", "zz", "Use an ISO 639-1 language code, for example en."),
    ],
)
def test_a_code_that_is_not_in_its_iso_list_is_a_400_naming_the_field(api, organization, field, value, message):
    errors = assert_validation(api.post("customers", {**SPEC_CREATE_BODY, field: value}), field)

    assert errors == [message]
    assert not Customer.objects.filter(organization=organization).exists()


def test_real_iso_codes_of_other_countries_are_accepted(api, organization):
    response = api.post("customers", {"name": "Søren Hansen ApS", "country": "DK", "currency": "DKK", "language": "da"})

    assert response.status_code == 201, response.json()


def test_metadata_may_hold_50_keys_but_not_51(api, organization):
    fifty = {f"key_{index}": "value" for index in range(50)}

    accepted = api.post("customers", {"name": "Fifty Keys Ltd", "metadata": fifty})
    refused = api.post("customers", {"name": "Fifty One Keys Ltd", "metadata": {**fifty, "key_50": "value"}})

    assert accepted.status_code == 201
    assert accepted.json()["data"]["metadata"] == fifty
    assert "50 keys" in assert_validation(refused, "metadata")[0]
    assert not Customer.objects.filter(name="Fifty One Keys Ltd").exists()


def test_a_list_where_an_object_is_expected_is_a_400(api, organization):
    whole_body = api.post("customers", [SPEC_CREATE_BODY])
    metadata = api.post("customers", {**SPEC_CREATE_BODY, "metadata": ["vip"]})

    assert assert_error(whole_body, 400)["message"] == "Validation failed"
    assert assert_validation(metadata, "metadata")
    assert not Customer.objects.filter(organization=organization).exists()


def test_an_unknown_branch_code_is_a_400_on_branch_id(api, organization):
    errors = assert_validation(api.post("customers", {**SPEC_CREATE_BODY, "branch_id": "77"}), "branch_id")

    assert "77" in errors[0]
    assert not Customer.objects.filter(organization=organization).exists()


def test_another_organizations_category_is_refused_exactly_like_a_missing_one(api, organization, other_organization):
    theirs = CategoryFactory(organization=other_organization, name="Their Category")
    missing_id = theirs.pk + 1000

    foreign = assert_validation(api.post("customers", {"name": "Jane", "category_id": theirs.pk}), "category_id")
    missing = assert_validation(api.post("customers", {"name": "Jane", "category_id": missing_id}), "category_id")

    assert foreign == [f"Unknown category {theirs.pk}."]
    assert missing == [f"Unknown category {missing_id}."]
    assert not Customer.objects.filter(organization=organization).exists()


def test_read_only_fields_in_the_body_are_ignored(api, organization, other_organization):
    response = api.post(
        "customers",
        {
            "name": "Honest Traders",
            "id": 999_999,
            "uid": "00000000-0000-0000-0000-000000000001",
            "organization": other_organization.pk,
            "balance": 1_000_000,
            "total_debit": 1_000_000,
            "total_transactions": 42,
            "used_in_booked": True,
            "source": "import",
            "created_at": "2000-01-01T00:00:00Z",
        },
    )

    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["id"] != 999_999
    assert data["uid"] != "00000000-0000-0000-0000-000000000001"
    assert (data["balance"], data["total_debit"], data["total_transactions"]) == (0, 0, 0)
    assert (data["used_in_booked"], data["source"]) == (False, "api")
    assert not data["created_at"].startswith("2000")
    assert Customer.objects.get(pk=data["id"]).organization == organization


def test_a_customer_needs_a_name_or_custnm(api):
    assert assert_validation(api.post("customers", {"customer_no": "NONAME"}), "name")


def test_a_clerk_creates_and_is_recorded_as_creator_but_a_viewer_and_a_read_key_cannot(
    api_as, read_api, clerk, viewer, organization
):
    created = api_as(clerk).post("customers", {"name": "Clerk Made Ltd"})
    by_viewer = api_as(viewer).post("customers", {"name": "Viewer Made Ltd"})
    by_read_key = read_api.post("customers", {"name": "Read Key Made Ltd"})

    assert created.status_code == 201
    assert Customer.objects.get(pk=created.json()["data"]["id"]).created_by == clerk
    assert_error(by_viewer, 403)
    assert_error(by_read_key, 403)
    assert list(Customer.objects.filter(organization=organization).values_list("name", flat=True)) == ["Clerk Made Ltd"]


# Detail


@pytest.fixture
def well_known_customer(organization):
    """A customer with every kind of related row: contacts, billing entities, bank account, ledger."""
    wholesale = CategoryFactory(organization=organization, name="Wholesale")
    customer = new_customer(
        organization,
        customer_no="CUST001",
        name="ABC Trading Ltd",
        type="company",
        tax_id="A000123456Z",
        phone="+254712345678",
        email="info@abctrading.co.ke",
        address="Moi Avenue, Nairobi",
        category=wholesale,
        metadata={"erp_id": "SAP-0042"},
    )
    contact_email_create(customer=customer, email="accounts@abctrading.co.ke", use_for_invoicing=True)
    contact_email_create(customer=customer, email="ceo@abctrading.co.ke")
    contact_phone_create(customer=customer, number="0722 000 111", is_whatsapp=True)
    billing_entity_create(customer=customer, legal_name="ABC Trading Limited", tax_id="A000123456Z")
    billing_entity_create(customer=customer, legal_name="ABC Logistics Limited")
    bank_account_create(customer=customer, account_number="0100123456789", bank_name="Equity Bank")
    now = timezone.now()
    transaction_record(
        organization=organization,
        customer=customer,
        type="sale",
        total_amount="900",
        reference="INV-OLD",
        occurred_at=now - timedelta(days=70),
    )
    for number in range(1, 7):
        transaction_record(
            organization=organization,
            customer=customer,
            type="sale",
            total_amount="1000.25",
            tax_amount="137.97",
            reference=f"INV-{number:03d}",
            occurred_at=now - timedelta(minutes=10 - number),
        )
    transaction_record(
        organization=organization,
        customer=customer,
        type="payment",
        total_amount="500",
        reference="RCPT-001",
        occurred_at=now - timedelta(minutes=1),
    )
    customer.refresh_from_db()
    return customer


def test_detail_shows_every_field_with_contacts_billing_entities_and_the_ledger_summary(api, well_known_customer):
    response = api.get(f"customers/{well_known_customer.pk}")

    assert response.status_code == 200
    body = response.json()
    assert_envelope(body)
    data = body["data"]
    assert set(data) >= LIST_ITEM_FIELDS | DETAIL_EXTRA_FIELDS
    assert (data["branch_id"], data["branch_name"]) == ("00", "Head Office")
    assert data["category"] == {"id": well_known_customer.category_id, "name": "Wholesale"}
    assert data["metadata"] == {"erp_id": "SAP-0042"}
    assert [email["email"] for email in data["emails"]] == ["accounts@abctrading.co.ke", "ceo@abctrading.co.ke"]
    assert data["emails"][0]["use_for_invoicing"] is True
    assert [(phone["number"], phone["is_whatsapp"]) for phone in data["phones"]] == [("+254722000111", True)]
    assert [(entity["legal_name"], entity["is_default"]) for entity in data["billing_entities"]] == [
        ("ABC Trading Limited", True),
        ("ABC Logistics Limited", False),
    ]
    assert [(account["account_number"], account["bank_name"]) for account in data["bank_accounts"]] == [
        ("0100123456789", "Equity Bank")
    ]
    # 900 + 6 × 1000.25 of sales, less a payment of 500.
    assert (data["total_debit"], data["total_credit"], data["balance"]) == (6901.5, 500, 6401.5)
    assert data["used_in_booked"] is True
    summary = data["transaction_summary"]
    assert summary["total_transactions"] == 8
    assert summary["total_sales_amount"] == 6901.5
    assert (
        summary["this_month_transactions"]
        == Transaction.objects.filter(customer=well_known_customer, occurred_at__gte=nairobi_month_start()).count()
    )
    assert summary["last_transaction_at"].endswith("Z")
    recent = data["recent_transactions"]
    assert [entry["invoice_no"] for entry in recent] == ["RCPT-001", "INV-006", "INV-005", "INV-004", "INV-003"]
    assert recent[1]["type"] == "sale"
    assert (recent[1]["total_amount"], recent[1]["tax_amount"], recent[1]["status"]) == (1000.25, 137.97, "success")


def nairobi_month_start() -> datetime:
    return timezone.now().astimezone(NAIROBI).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def test_this_months_transactions_are_counted_in_the_organizations_timezone(api, organization):
    customer = new_customer(organization, name="Month Edge Ltd")
    month_start = nairobi_month_start()
    # 00:30 in Nairobi on the 1st is still the previous month in UTC; 23:30 the day before is not this month.
    for minutes, reference in [(30, "INV-THIS-MONTH"), (-30, "INV-LAST-MONTH")]:
        transaction_record(
            organization=organization,
            customer=customer,
            type="sale",
            total_amount="100",
            reference=reference,
            occurred_at=month_start + timedelta(minutes=minutes),
        )

    summary = api.get(f"customers/{customer.pk}").json()["data"]["transaction_summary"]

    assert organization.timezone == "Africa/Nairobi"
    assert (summary["total_transactions"], summary["this_month_transactions"]) == (2, 1)


def test_a_customer_without_transactions_has_an_empty_summary(api, organization):
    customer = new_customer(organization, name="Brand New Ltd")

    data = api.get(f"customers/{customer.pk}").json()["data"]

    assert data["transaction_summary"] == {
        "total_transactions": 0,
        "total_sales_amount": 0,
        "this_month_transactions": 0,
        "last_transaction_at": None,
    }
    assert data["recent_transactions"] == []
    assert (data["category"], data["emails"], data["billing_entities"]) == (None, [], [])


@pytest.mark.parametrize("customer_id", ["abc", "0", "999999", "1.5"])
def test_an_id_that_names_no_customer_is_a_404(api, customer_id):
    body = assert_error(api.get(f"customers/{customer_id}"), 404)

    assert body["message"] == NOT_FOUND["message"]


def test_another_organizations_customer_is_a_404_exactly_like_a_missing_one(api, other_organization):
    theirs = new_customer(other_organization, name="Their Customer")

    foreign = api.get(f"customers/{theirs.pk}").json()
    missing = api.get(f"customers/{theirs.pk + 1000}").json()

    assert {key: foreign[key] for key in ("status", "message")} == NOT_FOUND
    assert {key: value for key, value in foreign.items() if key != "meta"} == {
        key: value for key, value in missing.items() if key != "meta"
    }
    assert "Their Customer" not in str(foreign)


# Update


def test_patch_changes_only_the_given_fields(api, organization):
    customer = new_customer(
        organization, name="ABC Trading Ltd", tax_id="P000123456X", email="info@abctrading.co.ke", city="Nairobi"
    )

    response = api.patch(f"customers/{customer.pk}", {"phone": "0712 999 999", "email": "Updated@ABCtrading.co.ke"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message"] == "Customer updated successfully"
    assert (body["data"]["phone"], body["data"]["email"]) == ("+254712999999", "updated@abctrading.co.ke")
    customer.refresh_from_db()
    assert (customer.name, customer.tax_id, customer.city) == ("ABC Trading Ltd", "P000123456X", "Nairobi")
    assert (customer.phone, customer.email) == ("+254712999999", "updated@abctrading.co.ke")


def test_put_also_changes_only_the_given_fields(api, organization):
    customer = new_customer(organization, name="ABC Trading Ltd", tax_id="P000123456X", address="Moi Avenue")

    response = api.put(f"customers/{customer.pk}", {"custNm": "ABC Trading Ltd - Updated"})

    assert response.status_code == 200
    assert response.json()["message"] == "Customer updated successfully"
    customer.refresh_from_db()
    assert (customer.name, customer.tax_id, customer.address) == (
        "ABC Trading Ltd - Updated",
        "P000123456X",
        "Moi Avenue",
    )


def test_an_invalid_update_is_a_400_and_changes_nothing(api, organization):
    customer = new_customer(organization, name="ABC Trading Ltd", tax_id="P000123456X")

    bad_tin = api.patch(f"customers/{customer.pk}", {"tin": "X123", "city": "Mombasa"})
    blank_name = api.patch(f"customers/{customer.pk}", {"name": "  "})

    assert assert_validation(bad_tin, "tin") == ["The tin format is invalid."]
    assert assert_validation(blank_name, "name")
    customer.refresh_from_db()
    assert (customer.name, customer.tax_id, customer.city) == ("ABC Trading Ltd", "P000123456X", "")


def test_updating_to_a_taken_customer_no_is_a_409(api, organization):
    new_customer(organization, customer_no="CUST001", name="First")
    second = new_customer(organization, customer_no="CUST002", name="Second")

    response = api.patch(f"customers/{second.pk}", {"customer_no": "CUST001"})

    assert assert_error(response, 409)["errors"]["customer_no"]
    second.refresh_from_db()
    assert second.customer_no == "CUST002"


def test_update_refuses_viewers_read_keys_and_other_organizations(api_as, viewer, read_api, other_api, organization):
    customer = new_customer(organization, name="Steady Name Ltd")

    assert_error(api_as(viewer).patch(f"customers/{customer.pk}", {"name": "Viewer Was Here"}), 403)
    assert_error(read_api.patch(f"customers/{customer.pk}", {"name": "Read Key Was Here"}), 403)
    assert_error(other_api.patch(f"customers/{customer.pk}", {"name": "Stranger Was Here"}), 404, "Customer not found")
    customer.refresh_from_db()
    assert customer.name == "Steady Name Ltd"


# Delete


def test_delete_hides_the_customer_everywhere_but_keeps_its_transactions(api, organization):
    customer = new_customer(organization, name="Gone Traders", customer_no="GONE-1")
    transaction_record(organization=organization, customer=customer, type="sale", total_amount="250")

    response = api.delete(f"customers/{customer.pk}")

    assert response.status_code == 200
    assert response.json()["message"] == "Customer deleted successfully"
    assert_error(api.get(f"customers/{customer.pk}"), 404, "Customer not found")
    assert names(api.get("customers")) == []
    assert api.get("customers/search", {"q": "Gone"}).json()["data"] == []
    customer.refresh_from_db()
    assert customer.deleted_at is not None
    assert Transaction.objects.filter(customer=customer).count() == 1
    assert_error(api.delete(f"customers/{customer.pk}"), 404)


def test_delete_needs_a_manager_or_a_write_key(api_as, clerk, viewer, manager, read_api, organization):
    customer = new_customer(organization, name="Contested Ltd")

    assert_error(api_as(clerk).delete(f"customers/{customer.pk}"), 403)
    assert_error(api_as(viewer).delete(f"customers/{customer.pk}"), 403)
    assert_error(read_api.delete(f"customers/{customer.pk}"), 403)
    customer.refresh_from_db()
    assert customer.deleted_at is None

    assert api_as(manager).delete(f"customers/{customer.pk}").status_code == 200
    customer.refresh_from_db()
    assert customer.deleted_at is not None


def test_another_organizations_customer_cannot_be_deleted(other_api, organization):
    customer = new_customer(organization, name="Ours To Keep")

    assert_error(other_api.delete(f"customers/{customer.pk}"), 404, "Customer not found")
    customer.refresh_from_db()
    assert customer.deleted_at is None


# Quick search


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "a"}, {"q": " x "}])
def test_search_needs_a_query_of_at_least_two_characters(api, params):
    assert assert_validation(api.get("customers/search", params), "q")


def test_search_answers_the_short_items_with_count_and_query_in_meta(api, organization, other_organization):
    new_customer(organization, customer_no="CUST001", name="ABC Trading Ltd", tax_id="P000123456X", phone="0712345678")
    new_customer(organization, customer_no="CUST005", name="ABC Supplies", tax_id="P000456789Z")
    new_customer(organization, name="Jane Wanjiku")
    new_customer(other_organization, name="ABC Of Another Organization")

    response = api.get("customers/search", {"q": "ABC"})

    assert response.status_code == 200
    body = response.json()
    assert_envelope(body)
    assert (body["meta"]["count"], body["meta"]["query"]) == (2, "ABC")
    trading = next(item for item in body["data"] if item["customer_no"] == "CUST001")
    # Exactly the fields the OpenAPI schema documents for a result.
    assert set(trading) == set(CustomerSearchOutputSerializer().fields)
    assert (trading["name"], trading["tin"], trading["phone"], trading["status"]) == (
        "ABC Trading Ltd",
        "P000123456X",
        "+254712345678",
        "active",
    )
    wanjiku = api.get("customers/search", {"q": "wanjiku"}).json()["data"]
    assert [(item["name"], item["tin"], item["phone"]) for item in wanjiku] == [("Jane Wanjiku", None, "")]
    # Both names start with the query, so the tie goes by name.
    assert [item["name"] for item in body["data"]] == ["ABC Supplies", "ABC Trading Ltd"]


def test_search_limit_defaults_to_10_and_is_clamped_to_50(api, organization):
    for number in range(55):
        new_customer(organization, name=f"Baraka Stores {number:02d}")

    default = api.get("customers/search", {"q": "baraka"}).json()
    fifteen = api.get("customers/search", {"q": "baraka", "limit": 15}).json()
    clamped = api.get("customers/search", {"q": "baraka", "limit": 500}).json()

    assert (len(default["data"]), default["meta"]["count"]) == (10, 10)
    assert len(fifteen["data"]) == 15
    assert (len(clamped["data"]), clamped["meta"]["count"]) == (50, 50)
    assert assert_validation(api.get("customers/search", {"q": "baraka", "limit": "lots"}), "limit")


def test_search_reads_ten_results_in_as_many_queries_as_one(api, organization):
    """The results' fields come with them: no result costs a query of its own, whatever it shows."""
    for number in range(10):
        new_customer(organization, name=f"Tumaini Hardware {number:02d}", phone=f"07123456{number:02d}")
    api.get("customers/search", {"q": "tumaini"})  # the key's last_used_at is written on its first use

    one = queries_of(api, "/api/v1/customers/search", {"q": "tumaini", "limit": 1})
    ten = queries_of(api, "/api/v1/customers/search", {"q": "tumaini", "limit": 10})
    results = api.get("customers/search", {"q": "tumaini", "limit": 10}).json()["data"]

    assert [item["name"] for item in results] == [f"Tumaini Hardware {number:02d}" for number in range(10)]
    assert all(item["phone"].startswith("+2547123456") and item["status"] == "active" for item in results)
    assert ten == one


def test_search_can_be_limited_to_a_branch(api, organization, westlands):
    new_customer(organization, name="Mama Mboga CBD")
    new_customer(organization, name="Mama Mboga Westlands", branch=westlands)

    response = api.get("customers/search", {"q": "mboga", "branch_id": "01"})

    assert [item["name"] for item in response.json()["data"]] == ["Mama Mboga Westlands"]


@pytest.mark.parametrize("walked_names", [0, 1])
def test_a_common_fragment_searched_in_a_branch_keeps_to_it_past_the_walk(
    api, organization, westlands, monkeypatch, walked_names
):
    # Too common to sort (no room for candidates), and PostgreSQL's walk of the names stops after
    # ``walked_names``: the matches gathered past it are still the branch's, in name order.
    monkeypatch.setattr(search, "RANKED_CANDIDATES", 0)
    monkeypatch.setattr(search, "WALKED_NAMES", walked_names)
    new_customer(organization, name="Aa Mboga CBD")
    new_customer(organization, name="Mama Mboga Westlands", branch=westlands)
    new_customer(organization, name="Baba Mboga Westlands", branch=westlands)

    response = api.get("customers/search", {"q": "mboga", "branch_id": "01"})

    assert [item["name"] for item in response.json()["data"]] == ["Baba Mboga Westlands", "Mama Mboga Westlands"]


# Summary


def test_summary_figures_follow_the_recorded_transactions(api, organization):
    debtor = new_customer(organization, name="Debtor Ltd")
    depositor = new_customer(organization, name="Depositor Ltd")
    archived = new_customer(organization, name="Archived Ltd")
    deleted = new_customer(organization, name="Deleted Ltd")
    transaction_record(organization=organization, customer=debtor, type="sale", total_amount="1000.75")
    transaction_record(organization=organization, customer=debtor, type="payment", total_amount="400")
    transaction_record(organization=organization, customer=debtor, type="sale", total_amount="999", status="failed")
    transaction_record(organization=organization, customer=depositor, type="deposit", total_amount="250")
    transaction_record(organization=organization, customer=archived, type="sale", total_amount="100")
    transaction_record(organization=organization, customer=deleted, type="sale", total_amount="7000")
    customer_archive(customer=archived)
    customer_soft_delete(customer=deleted)

    response = api.get("customers/summary")

    assert response.status_code == 200
    body = response.json()
    assert_envelope(body)
    assert body["data"] == {
        "total_deposits": 250,
        "customer_count": 3,
        "archived_customers": 1,
        "unarchived_customers": 2,
        # 600.75 owed by the debtor, 250 held for the depositor, 100 owed by the archived one.
        "total_balance": 450.75,
        "currency": "KES",
        "balances_by_currency": [
            {"currency": "KES", "customer_count": 3, "total_balance": 450.75, "total_deposits": 250},
        ],
    }
    assert b'"total_balance": 450.75' in response.content
    assert b'"total_deposits": 250.00' in response.content


def test_summary_never_adds_up_amounts_in_different_currencies(api, organization):
    shilling_debtor = new_customer(organization, name="Nairobi Debtor")
    peso_debtor = new_customer(organization, name="Bogotá Debtor", currency="COP")
    peso_depositor = new_customer(organization, name="Medellín Depositor", currency="COP")
    krone_debtor = new_customer(organization, name="Aarhus Debtor", currency="DKK")
    transaction_record(organization=organization, customer=shilling_debtor, type="sale", total_amount="1500")
    transaction_record(organization=organization, customer=peso_debtor, type="sale", total_amount="2000000")
    transaction_record(organization=organization, customer=peso_depositor, type="deposit", total_amount="500000")
    transaction_record(organization=organization, customer=krone_debtor, type="sale", total_amount="750")

    data = api.get("customers/summary").json()["data"]

    assert (data["currency"], data["total_balance"], data["total_deposits"]) == ("KES", 1500, 0)
    assert data["customer_count"] == 4
    assert data["balances_by_currency"] == [
        {"currency": "KES", "customer_count": 1, "total_balance": 1500, "total_deposits": 0},
        {"currency": "COP", "customer_count": 2, "total_balance": 1500000, "total_deposits": 500000},
        {"currency": "DKK", "customer_count": 1, "total_balance": 750, "total_deposits": 0},
    ]


def test_summary_of_customers_all_in_other_currencies_has_zero_base_totals(api, organization):
    krone_debtor = new_customer(organization, name="Aarhus Debtor", currency="DKK")
    transaction_record(organization=organization, customer=krone_debtor, type="sale", total_amount="750")

    data = api.get("customers/summary").json()["data"]

    assert (data["currency"], data["total_balance"], data["total_deposits"], data["customer_count"]) == (
        "KES",
        0,
        0,
        1,
    )
    assert [row["currency"] for row in data["balances_by_currency"]] == ["DKK"]


def test_summary_filters_by_category_and_branch(api, organization, westlands):
    retail = CategoryFactory(organization=organization, name="Retail")
    shop = new_customer(organization, name="Retail Shop", category=retail)
    branch_customer = new_customer(organization, name="Westlands Client", branch=westlands)
    transaction_record(organization=organization, customer=shop, type="sale", total_amount="120")
    transaction_record(organization=organization, customer=branch_customer, type="deposit", total_amount="80")

    by_category = api.get("customers/summary", {"category_id": retail.pk}).json()["data"]
    by_branch = api.get("customers/summary", {"branch_id": "01"}).json()["data"]

    assert (by_category["customer_count"], by_category["total_balance"], by_category["total_deposits"]) == (1, 120, 0)
    assert (by_branch["customer_count"], by_branch["total_balance"], by_branch["total_deposits"]) == (1, -80, 80)
    assert assert_validation(api.get("customers/summary", {"status": "active"}), "status")


# Status changes


@pytest.mark.parametrize(
    ("action", "start", "status", "is_active"),
    [
        ("archive", "active", "archived", False),
        ("unarchive", "archived", "active", True),
        ("block", "active", "blocked", False),
        ("unblock", "blocked", "active", True),
    ],
)
def test_a_manager_changes_the_status(api_as, manager, organization, action, start, status, is_active):
    customer = new_customer(organization, name="Switchable Ltd")
    Customer.objects.filter(pk=customer.pk).update(status=start)

    response = api_as(manager).post(f"customers/{customer.pk}/{action}")

    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["id"], data["status"], data["is_active"]) == (customer.pk, status, is_active)
    customer.refresh_from_db()
    assert customer.status == status


@pytest.mark.parametrize("action", ["archive", "unarchive", "block", "unblock"])
def test_status_changes_are_refused_to_clerks_viewers_and_read_keys(
    api_as, clerk, viewer, read_api, organization, action
):
    customer = new_customer(organization, name="Fixed Status Ltd")
    start = "archived" if action == "unarchive" else "blocked" if action == "unblock" else "active"
    Customer.objects.filter(pk=customer.pk).update(status=start)

    for client in (api_as(clerk), api_as(viewer), read_api):
        assert_error(client.post(f"customers/{customer.pk}/{action}"), 403)
    customer.refresh_from_db()
    assert customer.status == start


def test_a_write_key_archives_and_another_organization_gets_a_404(api, other_api, organization):
    customer = new_customer(organization, name="Archive Me Ltd")

    assert_error(other_api.post(f"customers/{customer.pk}/archive"), 404, "Customer not found")
    response = api.post(f"customers/{customer.pk}/archive")

    assert response.status_code == 200
    assert response.json()["data"]["status"] == "archived"
    assert names(api.get("customers", {"status": "archived"})) == ["Archive Me Ltd"]


def test_an_archived_customer_cannot_be_blocked(api, organization):
    customer = new_customer(organization, name="Archived Already Ltd")
    customer_archive(customer=customer)

    body = assert_error(api.post(f"customers/{customer.pk}/block"), 400)

    assert "unarchive" in body["message"]
    customer.refresh_from_db()
    assert customer.status == "archived"


# Query counts


def fully_loaded_customers(organization, count: int) -> list[Customer]:
    """Customers with 3 emails, 2 phones, 2 billing entities and 10 transactions each."""
    category = CategoryFactory(organization=organization)
    customers = CustomerFactory.create_batch(count, organization=organization, category=category)
    entries = []
    for customer in customers:
        ContactEmailFactory.create_batch(3, customer=customer)
        ContactPhoneFactory.create_batch(2, customer=customer)
        BillingEntityFactory(customer=customer, is_default=True)
        BillingEntityFactory(customer=customer)
        entries += [
            Transaction(
                organization=organization,
                branch=customer.branch,
                customer=customer,
                type="sale",
                reference=f"INV-{customer.pk}-{number}",
                occurred_at=timezone.now() - timedelta(days=number),
                currency="KES",
                total_amount=Decimal(f"{100 + number}.50"),
            )
            for number in range(10)
        ]
    # Ledger rows in bulk, then the balances recomputed from them as the maintenance command does.
    Transaction.objects.bulk_create(entries)
    balances_recompute(organization=organization)
    return customers


def queries_of(client, path: str, params=None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


# The list: the key lookup, the count and the page. The detail: the key lookup, the customer with
# its lookups, its emails, phones, bank accounts and billing entities, and its ledger summary with
# the newest entries (one read). Each: one more for the key's last_used_at, written at most once a minute.
LIST_QUERY_BOUND = 4
DETAIL_QUERY_BOUND = 8


def test_a_page_of_100_customers_takes_as_many_queries_as_a_page_of_5(
    api, organization, other_organization, django_assert_max_num_queries
):
    fully_loaded_customers(organization, 5)
    fully_loaded_customers(other_organization, 3)
    api.get("customers")  # the key's first use also records last_used_at
    few = queries_of(api, "customers", {"per_page": 100})

    fully_loaded_customers(organization, 95)
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = api.get("customers", {"per_page": 100, "ordering": "-balance"})
    many = queries_of(api, "customers", {"per_page": 100})

    assert len(response.json()["data"]) == 100
    assert response.json()["data"][0]["total_transactions"] == 10
    assert many == few


def test_a_customers_detail_takes_the_same_queries_however_many_contacts_and_transactions(
    api, organization, django_assert_max_num_queries
):
    bare = new_customer(organization, name="Bare Ltd")
    (loaded,) = fully_loaded_customers(organization, 1)
    ContactEmailFactory.create_batch(5, customer=loaded)
    bank_account_create(customer=loaded, account_number="0100111222333", bank_name="KCB")
    bank_account_create(customer=loaded, account_number="0100444555666", bank_name="Equity Bank")
    api.get(f"customers/{bare.pk}")  # the key's first use also records last_used_at

    bare_queries = queries_of(api, f"customers/{bare.pk}")
    with django_assert_max_num_queries(DETAIL_QUERY_BOUND):
        response = api.get(f"customers/{loaded.pk}")
    loaded_queries = queries_of(api, f"customers/{loaded.pk}")

    data = response.json()["data"]
    assert (len(data["emails"]), len(data["phones"]), len(data["billing_entities"])) == (8, 2, 2)
    assert (len(data["bank_accounts"]), len(data["recent_transactions"])) == (2, 5)
    assert loaded_queries == bare_queries
