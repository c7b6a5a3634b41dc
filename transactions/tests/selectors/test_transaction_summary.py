from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest

from customers.services import customer_create
from tests.factories import OrganizationFactory
from transactions.selectors import transaction_summary
from transactions.services import transaction_record, transaction_void


def _record(customer, **data):
    return transaction_record(organization=customer.organization, customer=customer, **data)


def _summary_at(customer, now):
    customer.refresh_from_db()
    with mock.patch("django.utils.timezone.now", return_value=now):
        return transaction_summary(customer=customer)


@pytest.mark.django_db
def test_total_sales_amount_counts_only_successful_sales(customer):
    _record(customer, type="sale", total_amount="100.00")
    _record(customer, type="sale", total_amount="50.00", status="pending")
    _record(customer, type="sale", total_amount="25.00", status="failed")
    transaction_void(entry=_record(customer, type="sale", total_amount="70.00"))
    _record(customer, type="payment", total_amount="30.00")
    _record(customer, type="opening_balance", total_amount="500.00")

    customer.refresh_from_db()
    summary = transaction_summary(customer=customer)

    assert summary.total_sales_amount == Decimal("100.00")
    assert summary.total_transactions == 3
    assert summary.last_transaction_at == customer.last_transaction_at


@pytest.mark.django_db
def test_a_customer_without_transactions_has_an_empty_summary(customer):
    summary = transaction_summary(customer=customer)

    assert summary.total_sales_amount == Decimal("0.00")
    assert summary.total_transactions == 0
    assert summary.this_month_transactions == 0
    assert summary.last_transaction_at is None
    assert summary.recent_transactions == []


@pytest.mark.django_db
def test_this_month_starts_at_midnight_in_the_organizations_timezone_east_of_utc():
    nairobi = OrganizationFactory(slug="nairobi-traders", timezone="Africa/Nairobi")  # UTC+3
    customer = customer_create(organization=nairobi, name="Otieno Stores")
    # 00:30 on 1 March in Nairobi, still February in UTC.
    _record(customer, type="sale", total_amount="10", occurred_at=datetime(2025, 2, 28, 21, 30, tzinfo=UTC))
    # 23:30 on 28 February in Nairobi.
    _record(customer, type="sale", total_amount="10", occurred_at=datetime(2025, 2, 28, 20, 30, tzinfo=UTC))

    summary = _summary_at(customer, datetime(2025, 3, 1, 2, 0, tzinfo=UTC))

    assert summary.this_month_transactions == 1


@pytest.mark.django_db
def test_this_month_starts_at_midnight_in_the_organizations_timezone_west_of_utc():
    bogota = OrganizationFactory(slug="bogota-sas", country="CO", base_currency="COP", timezone="America/Bogota")
    customer = customer_create(organization=bogota, name="Ferretería Los Andes", tax_id="800197268-4")
    # 22:00 on 28 February in Bogotá (UTC-5), already March in UTC.
    _record(customer, type="sale", total_amount="10", occurred_at=datetime(2025, 3, 1, 3, 0, tzinfo=UTC))
    # 00:30 on 1 March in Bogotá.
    _record(customer, type="sale", total_amount="10", occurred_at=datetime(2025, 3, 1, 5, 30, tzinfo=UTC))

    summary = _summary_at(customer, datetime(2025, 3, 1, 15, 0, tzinfo=UTC))

    assert summary.this_month_transactions == 1


@pytest.mark.django_db
def test_this_month_counts_only_successful_entries(customer):
    now = datetime(2025, 3, 15, 12, 0, tzinfo=UTC)
    _record(customer, type="sale", total_amount="10", occurred_at=now - timedelta(days=1))
    _record(customer, type="sale", total_amount="10", occurred_at=now - timedelta(days=2), status="pending")
    transaction_void(entry=_record(customer, type="sale", total_amount="10", occurred_at=now - timedelta(days=3)))

    assert _summary_at(customer, now).this_month_transactions == 1


@pytest.mark.django_db
def test_recent_transactions_are_the_five_newest_newest_first(customer):
    start = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
    # Recorded out of order so that only the occurrence time can explain the result.
    for day in [3, 0, 6, 1, 5, 2, 4]:
        _record(
            customer,
            type="sale",
            total_amount="10",
            reference=f"INV-{day:04d}",
            occurred_at=start + timedelta(days=day),
        )

    summary = transaction_summary(customer=customer)

    assert [entry.reference for entry in summary.recent_transactions] == [
        "INV-0006",
        "INV-0005",
        "INV-0004",
        "INV-0003",
        "INV-0002",
    ]


@pytest.mark.django_db
def test_recent_transactions_belong_to_the_customer_only(organization, customer):
    neighbour = customer_create(organization=organization, name="Neighbour Traders")
    _record(neighbour, type="sale", total_amount="10")
    own = _record(customer, type="sale", total_amount="10")

    assert transaction_summary(customer=customer).recent_transactions == [own]
