from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from customers.models import Customer
from customers.services import customer_create
from transactions.services import transaction_record


def _run(*args):
    out = StringIO()
    call_command("recompute_balances", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def customer(organization):
    customer = customer_create(organization=organization, customer_no="KAMAU-001", name="Kamau Wholesalers Ltd")
    transaction_record(
        organization=organization,
        customer=customer,
        type="opening_balance",
        total_amount="1000.00",
        occurred_at=datetime(2025, 1, 2, 8, 0, tzinfo=UTC),
    )
    transaction_record(
        organization=organization,
        customer=customer,
        type="payment",
        total_amount="400.00",
        occurred_at=datetime(2025, 1, 20, 8, 0, tzinfo=UTC),
    )
    return customer


@pytest.mark.django_db
def test_clean_data_passes_the_check(customer):
    output = _run("--check")

    assert "No drift" in output


@pytest.mark.django_db
def test_check_reports_drift_fails_and_changes_nothing(organization, customer):
    Customer.objects.filter(pk=customer.pk).update(balance=Decimal("999.00"))
    out = StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("recompute_balances", "--check", "--org", organization.slug, stdout=out)

    assert excinfo.value.returncode != 0
    assert "1 drifted value" in str(excinfo.value)
    line = next(line for line in out.getvalue().splitlines() if "KAMAU-001" in line)
    assert "balance" in line and "999.00" in line and "600.00" in line
    customer.refresh_from_db()
    assert customer.balance == Decimal("999.00")


@pytest.mark.django_db
def test_without_check_the_drift_is_reported_and_fixed(customer):
    Customer.objects.filter(pk=customer.pk).update(
        balance=Decimal("999.00"), total_transactions=7, last_transaction_at=None
    )

    output = _run()

    assert "KAMAU-001" in output
    for field in ("balance", "total_transactions", "last_transaction_at"):
        assert field in output
    assert "corrected" in output
    customer.refresh_from_db()
    assert customer.balance == Decimal("600.00")
    assert customer.total_transactions == 2
    assert customer.last_transaction_at == datetime(2025, 1, 20, 8, 0, tzinfo=UTC)
    assert "No drift" in _run("--check")


@pytest.mark.django_db
def test_org_limits_the_check_to_that_organization(organization, other_organization, customer):
    Customer.objects.filter(pk=customer.pk).update(balance=Decimal("999.00"))

    assert "No drift" in _run("--check", "--org", other_organization.slug)
    with pytest.raises(CommandError):
        _run("--check", "--org", organization.slug)


@pytest.mark.django_db
def test_org_limits_the_fix_to_that_organization(organization, other_organization, customer):
    Customer.objects.filter(pk=customer.pk).update(balance=Decimal("999.00"))

    _run("--org", other_organization.slug)

    customer.refresh_from_db()
    assert customer.balance == Decimal("999.00")


@pytest.mark.django_db
def test_an_unknown_org_slug_is_a_clear_error(customer):
    with pytest.raises(CommandError, match="no-such-org"):
        _run("--org", "no-such-org")
