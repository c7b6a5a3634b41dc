import pytest
from django.test import Client

from billing.services import billing_entity_create
from customers.models import Category, Customer
from customers.services import (
    bank_account_create,
    contact_email_create,
    contact_phone_create,
    customer_create,
    lookup_create,
)
from tests.factories import MembershipFactory
from transactions.services import transaction_record


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager_client(manager) -> Client:
    return logged_in(manager)


@pytest.fixture
def clerk_client(clerk) -> Client:
    return logged_in(clerk)


@pytest.fixture
def viewer_client(viewer) -> Client:
    return logged_in(viewer)


@pytest.fixture
def other_manager(other_organization):
    return MembershipFactory(organization=other_organization, role="manager").user


@pytest.fixture
def wholesale(organization) -> Category:
    return lookup_create(model=Category, organization=organization, name="Wholesale")


@pytest.fixture
def customer(organization, wholesale, manager) -> Customer:
    """A customer of the organization with the contacts, accounts and ledger the admin shows."""
    customer = customer_create(
        organization=organization,
        actor=manager,
        name="Jane Wanjiku",
        tax_id="P051234567X",
        phone="+254712345678",
        email="jane@wanjiku.co.ke",
        category=wholesale,
    )
    contact_email_create(customer=customer, actor=manager, email="accounts@wanjiku.co.ke", use_for_invoicing=True)
    contact_phone_create(customer=customer, actor=manager, number="0722 000 111", contact_name="Peter")
    bank_account_create(customer=customer, actor=manager, account_number="0100123456789", bank_name="Equity Bank")
    billing_entity_create(customer=customer, actor=manager, legal_name="Wanjiku Traders Ltd", tax_id="A012345678B")
    transaction_record(
        organization=organization,
        customer=customer,
        type="sale",
        total_amount="1160.00",
        tax_amount="160.00",
        reference="INV-0001",
        actor=manager,
    )
    return customer


@pytest.fixture
def other_customer(other_organization) -> Customer:
    return customer_create(organization=other_organization, name="Kamau Hardware", tax_id="P059876543Z")
