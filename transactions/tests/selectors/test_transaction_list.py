import uuid
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import NotFound
from customers.services import customer_create
from transactions.selectors import transaction_get, transaction_list
from transactions.services import transaction_record


def _record(customer, **data):
    return transaction_record(organization=customer.organization, customer=customer, **data)


def _references(entries):
    return [entry.reference for entry in entries]


@pytest.fixture
def ledger(customer):
    """One entry of each type, a day apart in February 2025, plus a pending and a failed one."""
    entries = {}
    for day, kind in enumerate(
        ["opening_balance", "sale", "sale", "payment", "purchase", "deposit", "credit_note", "refund"], start=1
    ):
        reference = f"{kind.upper()}-{day:02d}"
        entries[reference] = _record(
            customer,
            type=kind,
            total_amount="100",
            reference=reference,
            occurred_at=datetime(2025, 2, day, 10, 0, tzinfo=UTC),
        )
    _record(
        customer,
        type="sale",
        total_amount="5",
        reference="SALE-PENDING",
        status="pending",
        occurred_at=datetime(2025, 2, 20, tzinfo=UTC),
    )
    _record(
        customer,
        type="payment",
        total_amount="5",
        reference="PAYMENT-FAILED",
        status="failed",
        occurred_at=datetime(2025, 2, 21, tzinfo=UTC),
    )
    return entries


@pytest.mark.django_db
def test_the_list_is_newest_first(organization, ledger):
    assert _references(transaction_list(organization=organization)) == [
        "PAYMENT-FAILED",
        "SALE-PENDING",
        "REFUND-08",
        "CREDIT_NOTE-07",
        "DEPOSIT-06",
        "PURCHASE-05",
        "PAYMENT-04",
        "SALE-03",
        "SALE-02",
        "OPENING_BALANCE-01",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("sale", {"SALE-02", "SALE-03", "SALE-PENDING"}),
        ("sales", {"SALE-02", "SALE-03", "SALE-PENDING"}),
        ("purchase", {"PURCHASE-05"}),
        ("purchases", {"PURCHASE-05"}),
        ("payment", {"PAYMENT-04", "PAYMENT-FAILED"}),
        ("opening_balance", {"OPENING_BALANCE-01"}),
    ],
)
def test_filter_by_type_accepts_types_and_their_plural_aliases(organization, ledger, kind, expected):
    entries = transaction_list(organization=organization, filters={"type": kind})

    assert set(_references(entries)) == expected


@pytest.mark.django_db
def test_an_unknown_type_filter_is_a_validation_error_naming_type(organization, ledger):
    with pytest.raises(ValidationError) as excinfo:
        list(transaction_list(organization=organization, filters={"type": "invoices"}))

    assert "type" in excinfo.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "expected"), [("pending", {"SALE-PENDING"}), ("failed", {"PAYMENT-FAILED"})])
def test_filter_by_status(organization, ledger, status, expected):
    assert set(_references(transaction_list(organization=organization, filters={"status": status}))) == expected


@pytest.mark.django_db
def test_filter_by_success_status_leaves_out_pending_and_failed(organization, ledger):
    references = _references(transaction_list(organization=organization, filters={"status": "success"}))

    assert len(references) == 8
    assert "SALE-PENDING" not in references and "PAYMENT-FAILED" not in references


@pytest.mark.django_db
def test_date_filters_include_both_boundary_days(organization, customer):
    organization.timezone = "UTC"
    organization.save(update_fields=["timezone"])
    for reference, moment in [
        ("BEFORE", datetime(2025, 1, 31, 23, 59, 59, tzinfo=UTC)),
        ("FIRST-MOMENT", datetime(2025, 2, 1, 0, 0, tzinfo=UTC)),
        ("MIDDLE", datetime(2025, 2, 15, 12, 0, tzinfo=UTC)),
        ("LAST-MOMENT", datetime(2025, 2, 28, 23, 59, 59, tzinfo=UTC)),
        ("AFTER", datetime(2025, 3, 1, 0, 0, tzinfo=UTC)),
    ]:
        _record(customer, type="sale", total_amount="10", reference=reference, occurred_at=moment)

    entries = transaction_list(organization=organization, filters={"from_date": "2025-02-01", "to_date": "2025-02-28"})

    assert _references(entries) == ["LAST-MOMENT", "MIDDLE", "FIRST-MOMENT"]


def test_dates_are_days_in_the_organizations_timezone(organization, customer):
    # The organization is in Nairobi (UTC+3): 21:30 UTC on 31 January is 1 February there.
    _record(
        customer,
        type="sale",
        total_amount="10",
        reference="NAIROBI-FEB-1",
        occurred_at=datetime(2025, 1, 31, 21, 30, tzinfo=UTC),
    )
    _record(
        customer,
        type="sale",
        total_amount="10",
        reference="NAIROBI-JAN-31",
        occurred_at=datetime(2025, 1, 31, 20, 30, tzinfo=UTC),
    )

    entries = transaction_list(organization=organization, filters={"from_date": "2025-02-01"})

    assert _references(entries) == ["NAIROBI-FEB-1"]


@pytest.mark.django_db
def test_a_single_day_range_returns_that_day(organization, ledger):
    entries = transaction_list(organization=organization, filters={"from_date": "2025-02-04", "to_date": "2025-02-04"})

    assert _references(entries) == ["PAYMENT-04"]


@pytest.mark.django_db
def test_filters_combine(organization, ledger):
    entries = transaction_list(
        organization=organization, filters={"type": "sales", "status": "success", "from_date": "2025-02-03"}
    )

    assert _references(entries) == ["SALE-03"]


@pytest.mark.django_db
def test_a_malformed_date_is_a_validation_error_naming_the_field(organization, ledger):
    with pytest.raises(ValidationError) as excinfo:
        list(transaction_list(organization=organization, filters={"from_date": "01/02/2025"}))

    assert "from_date" in excinfo.value.message_dict


@pytest.mark.django_db
def test_the_customer_argument_limits_the_list_to_that_customer(organization, customer, ledger):
    neighbour = customer_create(organization=organization, name="Neighbour Traders")
    _record(neighbour, type="sale", total_amount="10", reference="NEIGHBOUR-1")

    assert "NEIGHBOUR-1" not in _references(transaction_list(organization=organization, customer=customer))
    assert _references(transaction_list(organization=organization, customer=neighbour)) == ["NEIGHBOUR-1"]


@pytest.mark.django_db
def test_another_organization_never_sees_the_entries(organization, other_organization, customer, ledger):
    foreign_customer = customer_create(organization=other_organization, name="Other Org Customer")
    _record(foreign_customer, type="sale", total_amount="10", reference="OTHER-1")

    assert _references(transaction_list(organization=other_organization)) == ["OTHER-1"]
    assert list(transaction_list(organization=other_organization, customer=customer)) == []
    assert list(transaction_list(organization=other_organization, filters={"customer_id": customer.pk})) == []
    assert list(transaction_list(organization=other_organization, filters={"reference": "SALE-02"})) == []
    assert "OTHER-1" not in _references(transaction_list(organization=organization))


@pytest.mark.django_db
def test_get_returns_an_entry_of_the_organization(organization, ledger):
    entry = ledger["SALE-02"]

    assert transaction_get(organization=organization, transaction_id=str(entry.pk)) == entry


@pytest.mark.django_db
def test_get_of_another_organizations_entry_is_not_found(organization, other_organization, ledger):
    entry = ledger["SALE-02"]

    with pytest.raises(NotFound):
        transaction_get(organization=other_organization, transaction_id=entry.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("transaction_id", ["not-a-uuid", "", None, 42, uuid.UUID(int=7)])
def test_get_of_a_malformed_or_missing_id_is_not_found(organization, ledger, transaction_id):
    with pytest.raises(NotFound):
        transaction_get(organization=organization, transaction_id=transaction_id)
