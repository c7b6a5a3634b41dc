from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.exceptions import InvalidState
from transactions.models import TransactionStatus
from transactions.services import transaction_record, transaction_void

ZERO = Decimal("0.00")
MARCH_1 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
MARCH_10 = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)


def _snapshot(customer):
    customer.refresh_from_db()
    return {
        "total_debit": customer.total_debit,
        "total_credit": customer.total_credit,
        "balance": customer.balance,
        "deposit_amount": customer.deposit_amount,
        "total_transactions": customer.total_transactions,
        "last_transaction_at": customer.last_transaction_at,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["sale", "opening_balance", "refund", "payment", "credit_note", "deposit", "purchase"])
def test_void_reverses_exactly_what_the_entry_added(organization, customer, kind):
    transaction_record(
        organization=organization, customer=customer, type="opening_balance", total_amount="1000", occurred_at=MARCH_1
    )
    before = _snapshot(customer)
    entry = transaction_record(
        organization=organization, customer=customer, type=kind, total_amount="123.45", occurred_at=MARCH_1
    )
    assert _snapshot(customer) != before

    transaction_void(entry=entry)

    assert _snapshot(customer) == before
    entry.refresh_from_db()
    assert entry.status == TransactionStatus.VOID
    assert entry.voided_at is not None


@pytest.mark.django_db
def test_voiding_the_newest_entry_moves_last_transaction_at_back(organization, customer, fresh):
    transaction_record(
        organization=organization, customer=customer, type="sale", total_amount="300", occurred_at=MARCH_1
    )
    newest = transaction_record(
        organization=organization, customer=customer, type="payment", total_amount="100", occurred_at=MARCH_10
    )
    assert fresh(customer).last_transaction_at == MARCH_10

    transaction_void(entry=newest)

    customer = fresh(customer)
    assert customer.last_transaction_at == MARCH_1
    assert customer.balance == Decimal("300.00")


@pytest.mark.django_db
def test_voiding_the_only_entry_clears_last_transaction_at(organization, customer, fresh):
    entry = transaction_record(
        organization=organization, customer=customer, type="sale", total_amount="300", occurred_at=MARCH_1
    )

    transaction_void(entry=entry)

    customer = fresh(customer)
    assert customer.last_transaction_at is None
    assert customer.total_transactions == 0
    assert customer.balance == ZERO


@pytest.mark.django_db
def test_voiding_an_older_entry_keeps_last_transaction_at(organization, customer, fresh):
    older = transaction_record(
        organization=organization, customer=customer, type="sale", total_amount="300", occurred_at=MARCH_1
    )
    transaction_record(
        organization=organization, customer=customer, type="sale", total_amount="50", occurred_at=MARCH_10
    )

    transaction_void(entry=older)

    assert fresh(customer).last_transaction_at == MARCH_10


@pytest.mark.django_db
def test_voiding_a_pending_entry_leaves_balances_alone(organization, customer):
    transaction_record(
        organization=organization, customer=customer, type="sale", total_amount="300", occurred_at=MARCH_1
    )
    before = _snapshot(customer)
    pending = transaction_record(
        organization=organization, customer=customer, type="payment", total_amount="300", status="pending"
    )

    transaction_void(entry=pending)

    assert _snapshot(customer) == before
    pending.refresh_from_db()
    assert pending.status == TransactionStatus.VOID


@pytest.mark.django_db
def test_voiding_twice_is_refused_and_reverses_only_once(organization, customer, fresh):
    transaction_record(organization=organization, customer=customer, type="opening_balance", total_amount="1000")
    payment = transaction_record(organization=organization, customer=customer, type="payment", total_amount="200")
    transaction_void(entry=payment)

    with pytest.raises(InvalidState) as excinfo:
        transaction_void(entry=payment)

    assert excinfo.value.field == "status"
    customer = fresh(customer)
    assert customer.balance == Decimal("1000.00")
    assert customer.total_transactions == 1


@pytest.mark.django_db
def test_voiding_through_a_stale_copy_is_still_refused(organization, customer, fresh):
    """Two clerks open the same entry; the second void must not reverse it again."""
    payment = transaction_record(organization=organization, customer=customer, type="payment", total_amount="200")
    first_clerks_copy = payment
    second_clerks_copy = type(payment).objects.get(pk=payment.pk)
    transaction_void(entry=first_clerks_copy)

    with pytest.raises(InvalidState):
        transaction_void(entry=second_clerks_copy)

    assert fresh(customer).balance == ZERO


@pytest.mark.django_db
def test_void_records_who_voided(organization, customer, clerk):
    entry = transaction_record(organization=organization, customer=customer, type="sale", total_amount="300")

    transaction_void(entry=entry, actor=clerk)

    entry.refresh_from_db()
    assert entry.voided_by == clerk
