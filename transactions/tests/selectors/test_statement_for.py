"""statement_for: opening balance, running balance, closing balance and FIFO ageing on a hand-built ledger."""

from datetime import date, datetime
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from transactions.selectors import statement_for
from transactions.services import transaction_record, transaction_void

pytestmark = pytest.mark.django_db

NAIROBI = ZoneInfo("Africa/Nairobi")


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=NAIROBI)


def record(customer, entry_type, amount, day, reference="", **extra):
    return transaction_record(
        organization=customer.organization,
        customer=customer,
        type=entry_type,
        total_amount=amount,
        occurred_at=day if isinstance(day, datetime) else at(day),
        reference=reference,
        **extra,
    )


@pytest.fixture
def ledger(customer):
    """Kamau's ledger from January to May 2024; the statement below covers April and May."""
    record(customer, "opening_balance", "1000.00", "2024-01-05", "OB-2024")
    record(customer, "sale", "500.00", "2024-02-10", "INV-0101")
    record(customer, "payment", "1200.00", "2024-03-01", "RCT-0007")
    record(customer, "sale", "800.00", "2024-04-20", "INV-0140")
    record(customer, "credit_note", "100.00", "2024-05-02", "CN-0003")
    record(customer, "sale", "250.00", "2024-05-25", "INV-0161")
    # None of these count: not successful, or voided.
    record(customer, "payment", "300.00", "2024-05-10", "RCT-FAILED", status="failed")
    record(customer, "sale", "999.00", "2024-05-11", "INV-PENDING", status="pending")
    transaction_void(entry=record(customer, "sale", "700.00", "2024-04-22", "INV-VOID"))
    # After the period: not on this statement.
    record(customer, "sale", "75.00", "2024-06-01", "INV-0170")
    customer.refresh_from_db()
    return customer


def test_opening_balance_is_successful_debits_minus_credits_before_the_period(ledger):
    statement = statement_for(customer=ledger, from_date=date(2024, 4, 1), to_date=date(2024, 5, 31))

    assert statement.opening_balance == Decimal("300.00")  # 1000 + 500 - 1200


def test_each_successful_entry_of_the_period_moves_the_running_balance(ledger):
    statement = statement_for(customer=ledger, from_date=date(2024, 4, 1), to_date=date(2024, 5, 31))

    assert [(line.reference, line.debit, line.credit, line.balance) for line in statement.lines] == [
        ("INV-0140", Decimal("800.00"), Decimal("0.00"), Decimal("1100.00")),
        ("CN-0003", Decimal("0.00"), Decimal("100.00"), Decimal("1000.00")),
        ("INV-0161", Decimal("250.00"), Decimal("0.00"), Decimal("1250.00")),
    ]
    assert [line.type_label for line in statement.lines] == ["Sale", "Credit note", "Sale"]
    assert statement.total_debit == Decimal("1050.00")
    assert statement.total_credit == Decimal("100.00")
    assert statement.closing_balance == Decimal("1250.00")
    assert statement.currency == "KES"


def test_the_closing_balance_is_aged_fifo_credits_settling_the_oldest_debits_first(ledger):
    statement = statement_for(customer=ledger, from_date=date(2024, 4, 1), to_date=date(2024, 5, 31))

    # The payment and the credit note (1,300) settle the opening balance and 300 of February's sale:
    # 200 of it is still open, 111 days old; April's sale (41 days) and May's (6 days) are open in full.
    ageing = statement.ageing
    assert ageing.days_0_30 == Decimal("250.00")
    assert ageing.days_31_60 == Decimal("800.00")
    assert ageing.days_61_90 == Decimal("0.00")
    assert ageing.over_90 == Decimal("200.00")
    assert ageing.total == statement.closing_balance
    assert [label for label, _ in ageing.buckets()] == ["0–30 days", "31–60 days", "61–90 days", "Over 90 days"]


def test_the_closing_balance_matches_the_customers_balance_when_the_period_reaches_today(ledger):
    statement = statement_for(customer=ledger, from_date=date(2024, 1, 1), to_date=date(2024, 12, 31))

    assert statement.opening_balance == Decimal("0.00")
    assert statement.closing_balance == ledger.balance == Decimal("1325.00")


@pytest.mark.parametrize(
    ("debit_day", "bucket"),
    [
        ("2024-05-01", "days_0_30"),  # 30 days before 31 May
        ("2024-04-30", "days_31_60"),  # 31 days
        ("2024-04-01", "days_31_60"),  # 60 days
        ("2024-03-31", "days_61_90"),  # 61 days
        ("2024-03-02", "days_61_90"),  # 90 days
        ("2024-03-01", "over_90"),  # 91 days
    ],
)
def test_bucket_edges_count_whole_days_up_to_the_statement_end(customer, debit_day, bucket):
    record(customer, "sale", "40.00", debit_day)

    ageing = statement_for(customer=customer, from_date=date(2024, 5, 1), to_date=date(2024, 5, 31)).ageing

    assert getattr(ageing, bucket) == Decimal("40.00")
    assert ageing.total == Decimal("40.00")


def test_days_follow_the_organizations_timezone(customer):
    # 00:30 in Nairobi on 1 April is still 31 March in UTC: it belongs to April's statement.
    record(customer, "sale", "60.00", at("2024-04-01", hour=0, minute=30), "INV-MIDNIGHT")
    # 23:50 in Nairobi on 30 April is in April too, though UTC says 20:50.
    record(customer, "payment", "10.00", at("2024-04-30", hour=23, minute=50), "RCT-LATE")

    april = statement_for(customer=customer, from_date=date(2024, 4, 1), to_date=date(2024, 4, 30))
    march = statement_for(customer=customer, from_date=date(2024, 3, 1), to_date=date(2024, 3, 31))

    assert [line.reference for line in april.lines] == ["INV-MIDNIGHT", "RCT-LATE"]
    assert april.closing_balance == Decimal("50.00")
    assert march.lines == []


def test_a_customer_in_credit_shows_the_unallocated_credit_as_current(customer):
    record(customer, "sale", "100.00", "2024-01-10")
    record(customer, "deposit", "400.00", "2024-02-10")

    statement = statement_for(customer=customer, from_date=date(2024, 2, 1), to_date=date(2024, 2, 29))

    assert statement.opening_balance == Decimal("100.00")
    assert statement.closing_balance == Decimal("-300.00")
    assert statement.ageing.days_0_30 == Decimal("-300.00")
    assert statement.ageing.over_90 == Decimal("0.00")
    assert statement.ageing.total == Decimal("-300.00")


def test_the_default_period_is_the_last_90_days_up_to_today_in_the_organizations_timezone(customer):
    # 22:30 UTC on 31 May is already 1 June in Nairobi.
    with mock.patch("django.utils.timezone.now", return_value=datetime(2024, 5, 31, 22, 30, tzinfo=ZoneInfo("UTC"))):
        statement = statement_for(customer=customer)

    assert statement.to_date == date(2024, 6, 1)
    assert statement.from_date == date(2024, 3, 3)


def test_a_period_that_ends_before_it_starts_is_refused(customer):
    with pytest.raises(ValidationError) as caught:
        statement_for(customer=customer, from_date=date(2024, 5, 31), to_date=date(2024, 5, 1))

    assert "from_date" in caught.value.message_dict
