from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.services import billing_entity_create, billing_entity_deactivate, billing_entity_make_default
from customers.models import Customer
from customers.services import customer_soft_delete
from tests.factories import BranchFactory, CustomerFactory
from transactions.models import Transaction
from transactions.services import transaction_record

ZERO = Decimal("0.00")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["sale", "opening_balance", "refund"])
def test_debit_types_raise_balance_and_total_debit(organization, customer, fresh, kind):
    transaction_record(organization=organization, customer=customer, type=kind, total_amount="1250.75")

    customer = fresh(customer)
    assert customer.balance == Decimal("1250.75")
    assert customer.total_debit == Decimal("1250.75")
    assert customer.total_credit == ZERO
    assert customer.deposit_amount == ZERO
    assert customer.total_transactions == 1


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["payment", "credit_note", "deposit", "purchase"])
def test_credit_types_lower_balance_and_raise_total_credit(organization, customer, fresh, kind):
    transaction_record(organization=organization, customer=customer, type=kind, total_amount="400.00")

    customer = fresh(customer)
    assert customer.balance == Decimal("-400.00")
    assert customer.total_credit == Decimal("400.00")
    assert customer.total_debit == ZERO
    assert customer.total_transactions == 1
    assert customer.deposit_amount == (Decimal("400.00") if kind == "deposit" else ZERO)


@pytest.mark.django_db
def test_a_mixed_ledger_adds_up(organization, customer, fresh):
    for kind, amount in [
        ("opening_balance", "1000.00"),
        ("sale", "250.50"),
        ("payment", "400.00"),
        ("deposit", "100.00"),
        ("refund", "20.00"),
        ("credit_note", "30.25"),
    ]:
        transaction_record(organization=organization, customer=customer, type=kind, total_amount=amount)

    customer = fresh(customer)
    assert customer.total_debit == Decimal("1270.50")
    assert customer.total_credit == Decimal("530.25")
    assert customer.balance == Decimal("740.25")
    assert customer.deposit_amount == Decimal("100.00")
    assert customer.total_transactions == 6


@pytest.mark.django_db
def test_amounts_are_stored_with_two_decimals(organization, customer):
    entry = transaction_record(
        organization=organization, customer=customer, type="sale", total_amount=116, tax_amount="16"
    )

    entry.refresh_from_db()
    assert entry.total_amount == Decimal("116.00")
    assert entry.tax_amount == Decimal("16.00")


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["pending", "failed"])
def test_only_successful_entries_move_balances(organization, customer, fresh, status):
    entry = transaction_record(
        organization=organization, customer=customer, type="sale", total_amount="999.00", status=status
    )

    customer = fresh(customer)
    assert entry.status == status
    assert (customer.balance, customer.total_debit, customer.total_credit) == (ZERO, ZERO, ZERO)
    assert customer.total_transactions == 0
    assert customer.last_transaction_at is None
    # The customer is still referenced by the ledger, so it counts as used in booked documents.
    assert customer.used_in_booked is True


@pytest.mark.django_db
def test_a_new_customer_is_not_used_in_booked(customer, fresh):
    assert fresh(customer).used_in_booked is False


@pytest.mark.django_db
def test_last_transaction_at_is_the_latest_occurrence_even_when_recorded_out_of_order(organization, customer, fresh):
    newest = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
    older = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

    transaction_record(organization=organization, customer=customer, type="sale", total_amount="10", occurred_at=newest)
    assert fresh(customer).last_transaction_at == newest

    transaction_record(
        organization=organization, customer=customer, type="payment", total_amount="5", occurred_at=older
    )
    assert fresh(customer).last_transaction_at == newest


@pytest.mark.django_db
def test_a_pending_entry_does_not_move_last_transaction_at(organization, customer, fresh):
    counted = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    transaction_record(
        organization=organization, customer=customer, type="sale", total_amount="10", occurred_at=counted
    )

    transaction_record(
        organization=organization,
        customer=customer,
        type="sale",
        total_amount="10",
        occurred_at=datetime(2025, 4, 1, tzinfo=UTC),
        status="pending",
    )

    assert fresh(customer).last_transaction_at == counted


@pytest.mark.django_db
def test_recording_defaults_branch_currency_and_time_from_the_customer(organization, customer):
    entry = transaction_record(
        organization=organization, customer=customer, type="sale", total_amount="10", reference="  INV-0001 "
    )

    entry.refresh_from_db()
    assert entry.branch == customer.branch
    assert entry.currency == "KES"
    assert entry.reference == "INV-0001"
    assert entry.invoice_no == "INV-0001"
    assert entry.occurred_at is not None


@pytest.mark.django_db
def test_a_sale_without_a_billing_entity_takes_the_customers_default(organization, customer):
    billing_entity_create(customer=customer, legal_name="Kamau Wholesalers Ltd")
    nakuru = billing_entity_create(customer=customer, legal_name="Kamau Wholesalers Nakuru Ltd")
    billing_entity_make_default(entity=nakuru)

    sale = transaction_record(organization=organization, customer=customer, type="sale", total_amount="580.00")

    sale.refresh_from_db()
    assert sale.billing_entity == nakuru


@pytest.mark.django_db
def test_an_explicit_billing_entity_wins_over_the_default(organization, customer):
    billing_entity_create(customer=customer, legal_name="Kamau Wholesalers Ltd")
    other = billing_entity_create(customer=customer, legal_name="Kamau Holdings Ltd")

    sale = transaction_record(
        organization=organization, customer=customer, type="sale", total_amount="580.00", billing_entity=other
    )

    sale.refresh_from_db()
    assert sale.billing_entity == other


@pytest.mark.django_db
def test_a_sale_of_a_customer_without_billing_entities_has_none(organization, customer):
    sale = transaction_record(organization=organization, customer=customer, type="sale", total_amount="580.00")

    sale.refresh_from_db()
    assert sale.billing_entity is None


@pytest.mark.django_db
def test_a_payment_without_a_billing_entity_is_not_given_the_default(organization, customer):
    billing_entity_create(customer=customer, legal_name="Kamau Wholesalers Ltd")

    payment = transaction_record(organization=organization, customer=customer, type="payment", total_amount="50")

    payment.refresh_from_db()
    assert payment.billing_entity is None


def _assert_refused(field, *, organization, customer, **overrides):
    data = {"type": "sale", "total_amount": "100.00"} | overrides
    with pytest.raises(ValidationError) as excinfo:
        transaction_record(organization=organization, customer=customer, **data)
    assert field in excinfo.value.message_dict
    assert not Transaction.objects.filter(customer=customer).exists()
    customer.refresh_from_db()
    assert customer.balance == ZERO
    assert customer.total_transactions == 0
    assert customer.used_in_booked is False


@pytest.mark.django_db
@pytest.mark.parametrize("total_amount", ["0", 0, "0.00", "-5", Decimal("-0.01"), "abc", "", None, "NaN", "Infinity"])
def test_a_total_that_is_not_a_positive_number_is_refused(organization, customer, total_amount):
    _assert_refused("total_amount", organization=organization, customer=customer, total_amount=total_amount)


@pytest.mark.django_db
def test_tax_above_the_total_is_refused(organization, customer):
    _assert_refused(
        "tax_amount", organization=organization, customer=customer, total_amount="100.00", tax_amount="100.01"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("tax_amount", ["-0.01", "-16", "sixteen"])
def test_a_negative_or_non_numeric_tax_is_refused(organization, customer, tax_amount):
    _assert_refused("tax_amount", organization=organization, customer=customer, tax_amount=tax_amount)


@pytest.mark.django_db
def test_tax_equal_to_the_total_is_accepted(organization, customer):
    entry = transaction_record(
        organization=organization, customer=customer, type="sale", total_amount="16.00", tax_amount="16.00"
    )

    assert entry.tax_amount == entry.total_amount == Decimal("16.00")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["invoice", "sales", ""])
def test_an_unknown_type_is_refused(organization, customer, kind):
    _assert_refused("type", organization=organization, customer=customer, type=kind)


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["void", "posted"])
def test_a_status_other_than_success_pending_or_failed_is_refused_at_record_time(organization, customer, status):
    _assert_refused("status", organization=organization, customer=customer, status=status)


@pytest.mark.django_db
def test_a_billing_entity_of_another_customer_is_refused(organization, customer):
    neighbour = CustomerFactory(organization=organization)
    foreign_entity = billing_entity_create(customer=neighbour, legal_name="Neighbour Ltd")

    _assert_refused("billing_entity", organization=organization, customer=customer, billing_entity=foreign_entity)


@pytest.mark.django_db
def test_an_inactive_billing_entity_is_refused(organization, customer):
    retired = billing_entity_create(customer=customer, legal_name="Kamau Wholesalers (old) Ltd")
    billing_entity_deactivate(entity=retired)

    _assert_refused("billing_entity", organization=organization, customer=customer, billing_entity=retired)


@pytest.mark.django_db
def test_a_customer_of_another_organization_is_refused(organization, other_organization):
    foreign_customer = CustomerFactory(organization=other_organization)

    _assert_refused("customer", organization=organization, customer=foreign_customer)


@pytest.mark.django_db
def test_a_deleted_customer_is_refused(organization, customer):
    customer_soft_delete(customer=customer)

    _assert_refused("customer", organization=organization, customer=customer)


@pytest.mark.django_db
def test_a_branch_of_another_organization_is_refused(organization, other_organization, customer):
    foreign_branch = BranchFactory(organization=other_organization)

    _assert_refused("branch", organization=organization, customer=customer, branch=foreign_branch)


@pytest.mark.django_db
def test_every_bad_field_is_reported_at_once(organization, customer):
    with pytest.raises(ValidationError) as excinfo:
        transaction_record(
            organization=organization, customer=customer, type="invoice", total_amount="-1", status="void"
        )

    assert {"type", "total_amount", "status"} <= set(excinfo.value.message_dict)


@pytest.mark.django_db
def test_a_settled_balance_is_exactly_zero_whatever_order_the_cents_came_in(organization, customer, fresh):
    # In binary floating point 0.30 - 0.10 - 0.20 is -0.0000000000000000277, which would read as -0.00.
    transaction_record(organization=organization, customer=customer, type="sale", total_amount="0.30")
    transaction_record(organization=organization, customer=customer, type="payment", total_amount="0.10")
    transaction_record(organization=organization, customer=customer, type="payment", total_amount="0.20")

    customer = fresh(customer)
    assert str(customer.balance) == "0.00"
    assert str(customer.total_credit) == "0.30"
    assert Customer.objects.filter(pk=customer.pk, balance__lt=0).count() == 0
