import pytest
from django.test import Client

from billing.models import BillingEntity
from billing.services import billing_entity_create
from customers.models import Customer
from customers.services import customer_create


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
def customer(organization) -> Customer:
    return customer_create(organization=organization, name="Jane Wanjiku", tax_id="P051234567X")


@pytest.fixture
def head_office_entity(customer, manager) -> BillingEntity:
    return billing_entity_create(
        customer=customer, actor=manager, legal_name="Wanjiku Traders Ltd", tax_id="A012345678B"
    )


@pytest.fixture
def branch_entity(customer, manager) -> BillingEntity:
    return billing_entity_create(customer=customer, actor=manager, legal_name="Wanjiku Traders Mombasa Ltd")


@pytest.fixture
def foreign_entity(other_organization) -> BillingEntity:
    foreign_customer = customer_create(organization=other_organization, name="Kamau Hardware")
    return billing_entity_create(customer=foreign_customer, legal_name="Kamau Hardware Ltd")
