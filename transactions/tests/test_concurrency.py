"""Balances under concurrent writes: every payment counts once, whatever the interleaving."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection, transaction

from accounts.services import organization_create
from customers.models import Customer
from customers.services import customer_create
from transactions.models import Transaction
from transactions.services import balances_recompute, transaction_record

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serializes every writer, so it cannot show a lost update",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def indebted_customer():
    organization = organization_create(name="Concurrent Traders", slug="concurrent-traders")
    customer = customer_create(organization=organization, name="Kamau Wholesalers Ltd", tax_id="P051234567X")
    transaction_record(organization=organization, customer=customer, type="opening_balance", total_amount="1000.00")
    return customer


def _pay(customer_id: int, amount: str) -> None:
    """Record a payment from a thread with its own connection, as a separate web worker would."""
    try:
        customer = Customer.objects.select_related("organization", "branch").get(pk=customer_id)
        transaction_record(organization=customer.organization, customer=customer, type="payment", total_amount=amount)
    finally:
        connection.close()


def test_fifty_concurrent_payments_all_count(indebted_customer):
    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = [pool.submit(_pay, indebted_customer.pk, "10.00") for _ in range(50)]
    for future in futures:
        future.result()  # re-raises any error from the worker thread

    indebted_customer.refresh_from_db()
    assert indebted_customer.balance == Decimal("500.00")
    assert indebted_customer.total_credit == Decimal("500.00")
    assert indebted_customer.total_transactions == 51
    assert Transaction.objects.filter(customer=indebted_customer).count() == 51
    assert balances_recompute(organization=indebted_customer.organization, fix=False) == []


def test_two_payments_started_together_are_both_counted(indebted_customer):
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def pay(amount: str) -> None:
        try:
            barrier.wait(timeout=10)
            _pay(indebted_customer.pk, amount)
        except Exception as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=pay, args=(amount,)) for amount in ("120.00", "80.00")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    indebted_customer.refresh_from_db()
    assert indebted_customer.balance == Decimal("800.00")
    assert indebted_customer.total_transactions == 3


def test_a_payment_waiting_on_an_open_transaction_is_not_lost(indebted_customer):
    """The second payment starts while the first is written but not yet committed."""
    first_written = threading.Barrier(2)
    errors: list[Exception] = []

    def slow_payment() -> None:
        try:
            customer = Customer.objects.select_related("organization", "branch").get(pk=indebted_customer.pk)
            with transaction.atomic():
                transaction_record(
                    organization=customer.organization, customer=customer, type="payment", total_amount="300.00"
                )
                first_written.wait(timeout=10)
                # Hold the row so the other payment has to wait for this commit.
                time.sleep(0.5)
        except Exception as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            connection.close()

    def quick_payment() -> None:
        try:
            first_written.wait(timeout=10)
            _pay(indebted_customer.pk, "200.00")
        except Exception as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=slow_payment), threading.Thread(target=quick_payment)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    indebted_customer.refresh_from_db()
    assert indebted_customer.balance == Decimal("500.00")
    assert indebted_customer.total_transactions == 3
    assert balances_recompute(organization=indebted_customer.organization, fix=False) == []
