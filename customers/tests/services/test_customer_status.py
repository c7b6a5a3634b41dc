from decimal import Decimal

import pytest

from core.exceptions import InvalidState, NotFound
from customers.models import Customer
from customers.selectors import customer_get, customer_list
from customers.services import (
    customer_archive,
    customer_block,
    customer_create,
    customer_soft_delete,
    customer_unarchive,
    customer_unblock,
)
from transactions.models import Transaction
from transactions.selectors import transaction_list
from transactions.services import transaction_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(organization, clerk) -> Customer:
    return customer_create(organization=organization, actor=clerk, name="Kamau Stores", customer_no="CUST010")


def _status(customer: Customer) -> str:
    return Customer.objects.values_list("status", flat=True).get(pk=customer.pk)


# Archive / unarchive


def test_archiving_makes_the_customer_inactive(customer, manager):
    customer_archive(customer=customer, actor=manager)

    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.status, stored.is_active, stored.updated_by) == ("archived", False, manager)


def test_archiving_twice_changes_nothing_the_second_time(customer, manager):
    customer_archive(customer=customer, actor=manager)
    records = customer.history.count()
    archived_at = Customer.objects.get(pk=customer.pk).updated_at

    customer_archive(customer=customer, actor=manager)

    assert _status(customer) == "archived"
    assert customer.history.count() == records
    assert Customer.objects.get(pk=customer.pk).updated_at == archived_at


def test_unarchiving_makes_the_customer_active_again(customer):
    customer_archive(customer=customer)

    customer_unarchive(customer=customer)

    assert _status(customer) == "active"


def test_unarchiving_a_blocked_customer_does_not_unblock_it(customer):
    customer_block(customer=customer)

    customer_unarchive(customer=customer)

    assert _status(customer) == "blocked"


def test_a_blocked_customer_can_be_archived(customer):
    customer_block(customer=customer)

    customer_archive(customer=customer)

    assert _status(customer) == "archived"


# Block / unblock


def test_blocking_and_unblocking(customer):
    customer_block(customer=customer)
    assert _status(customer) == "blocked"

    customer_unblock(customer=customer)
    assert _status(customer) == "active"


def test_an_archived_customer_cannot_be_blocked(customer):
    customer_archive(customer=customer)

    with pytest.raises(InvalidState) as excinfo:
        customer_block(customer=customer)

    assert excinfo.value.status_code == 400
    assert excinfo.value.errors == {"status": ["An archived customer cannot be blocked; unarchive it first."]}
    assert _status(customer) == "archived"


def test_unblocking_an_archived_customer_leaves_it_archived(customer):
    customer_archive(customer=customer)

    customer_unblock(customer=customer)

    assert _status(customer) == "archived"


@pytest.mark.parametrize(
    ("status", "change"),
    [
        ("active", customer_archive),
        ("archived", customer_unarchive),
        ("active", customer_block),
        ("blocked", customer_unblock),
    ],
)
def test_a_deleted_customers_status_cannot_change(customer, status, change):
    Customer.objects.filter(pk=customer.pk).update(status=status)
    customer = Customer.objects.get(pk=customer.pk)
    customer_soft_delete(customer=customer)

    with pytest.raises(InvalidState):
        change(customer=customer)

    assert _status(customer) == status


def test_a_status_change_is_recorded_in_the_history_with_the_actor(customer, manager):
    customer_block(customer=customer, actor=manager)

    latest, previous = customer.history.order_by("-history_id")[:2]
    assert latest.history_user == manager
    assert [(change.field, change.old, change.new) for change in latest.diff_against(previous).changes] == [
        ("status", "active", "blocked"),
        ("updated_by", previous.updated_by_id, manager.pk),
    ]


# Soft delete


def test_a_deleted_customer_leaves_the_list_and_detail(organization, customer, manager):
    survivor = customer_create(organization=organization, name="Wanjiku Traders")

    customer_soft_delete(customer=customer, actor=manager)

    assert list(customer_list(organization=organization)) == [survivor]
    assert list(customer_list(organization=organization, filters={"search": "Kamau"})) == []
    with pytest.raises(NotFound) as excinfo:
        customer_get(organization=organization, customer_id=customer.pk)
    assert (excinfo.value.status_code, excinfo.value.message) == (404, "Customer not found")


def test_a_deleted_customer_keeps_its_transactions_and_balance(organization, customer):
    sale = transaction_record(
        organization=organization, customer=customer, type="sale", total_amount="2400.00", reference="INV-0042"
    )
    transaction_record(organization=organization, customer=customer, type="payment", total_amount="400.00")

    customer_soft_delete(customer=Customer.objects.get(pk=customer.pk))

    assert Transaction.objects.filter(customer=customer).count() == 2
    assert sale in transaction_list(organization=organization)
    kept = customer_get(organization=organization, customer_id=customer.pk, include_deleted=True)
    assert kept.is_deleted
    assert (kept.balance, kept.total_transactions) == (Decimal("2000.00"), 2)


def test_deleting_twice_keeps_the_first_deletion_time(customer):
    customer_soft_delete(customer=customer)
    deleted_at = Customer.objects.get(pk=customer.pk).deleted_at

    customer_soft_delete(customer=Customer.objects.get(pk=customer.pk))

    assert Customer.objects.get(pk=customer.pk).deleted_at == deleted_at


def test_a_deletion_is_recorded_in_the_history_with_the_actor(customer, manager):
    customer_soft_delete(customer=customer, actor=manager)

    latest = customer.history.order_by("-history_id").first()
    assert latest.history_user == manager
    assert latest.deleted_at is not None
