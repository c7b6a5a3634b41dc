from decimal import Decimal

import pytest

from customers.models import Customer
from tests.factories import CustomerFactory
from transactions.services import balances_recompute, transaction_record, transaction_void


@pytest.fixture
def ledger(organization, customer):
    transaction_record(organization=organization, customer=customer, type="opening_balance", total_amount="1000")
    transaction_record(organization=organization, customer=customer, type="deposit", total_amount="150")
    sale = transaction_record(organization=organization, customer=customer, type="sale", total_amount="80")
    transaction_void(entry=sale)
    transaction_record(organization=organization, customer=customer, type="sale", total_amount="40", status="failed")
    return customer


@pytest.mark.django_db
def test_a_ledger_kept_by_the_services_has_no_drift(organization, ledger):
    assert balances_recompute(organization=organization, fix=False) == []


@pytest.mark.django_db
def test_drift_is_reported_with_stored_and_expected_values(organization, ledger):
    Customer.objects.filter(pk=ledger.pk).update(balance=Decimal("5.00"), total_transactions=9)

    drifts = balances_recompute(organization=organization, fix=False)

    found = {(drift.customer_no, drift.field, drift.stored, drift.expected) for drift in drifts}
    assert found == {
        (ledger.customer_no, "balance", Decimal("5.00"), Decimal("850.00")),
        (ledger.customer_no, "total_transactions", 9, 2),
    }
    ledger.refresh_from_db()
    assert ledger.balance == Decimal("5.00")


@pytest.mark.django_db
def test_fix_writes_the_ledger_totals_back(organization, ledger):
    Customer.objects.filter(pk=ledger.pk).update(
        balance=Decimal("5.00"), total_debit=Decimal("0"), deposit_amount=Decimal("1"), last_transaction_at=None
    )

    balances_recompute(organization=organization, fix=True)

    ledger.refresh_from_db()
    assert ledger.balance == Decimal("850.00")
    assert ledger.total_debit == Decimal("1000.00")
    assert ledger.deposit_amount == Decimal("150.00")
    assert ledger.last_transaction_at is not None
    assert balances_recompute(organization=organization, fix=False) == []


@pytest.mark.django_db
def test_an_organization_scope_leaves_other_organizations_alone(organization, other_organization, ledger):
    foreign = CustomerFactory(organization=other_organization)
    Customer.objects.filter(pk=foreign.pk).update(balance=Decimal("77.00"))

    assert balances_recompute(organization=organization, fix=True) == []

    foreign.refresh_from_db()
    assert foreign.balance == Decimal("77.00")
    assert [drift.customer_no for drift in balances_recompute(fix=False)] == [foreign.customer_no]
