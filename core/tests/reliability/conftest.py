"""Customers, contacts and billing entities written through the services, as every front door writes them."""

import pytest
from django.db import connection

from billing.services import billing_entity_create
from customers.services import contact_email_create, contact_phone_create, customer_create

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serializes every writer, so concurrent requests cannot race there",
)


@pytest.fixture
def customer(organization):
    return customer_create(
        organization=organization,
        customer_no="CUST100",
        name="Wanjiku Traders Ltd",
        type="company",
        tax_id="P051234567X",
        phone="+254712345678",
        email="accounts@wanjiku.co.ke",
        source="api",
    )


@pytest.fixture
def email(customer):
    return contact_email_create(customer=customer, email="billing@wanjiku.co.ke", contact_name="Grace Wanjiku")


@pytest.fixture
def phone(customer):
    return contact_phone_create(customer=customer, number="+254722000111", contact_name="Peter Otieno")


@pytest.fixture
def billing_entity(customer):
    return billing_entity_create(
        customer=customer, legal_name="Wanjiku Traders Ltd", tax_id="P051234567X", billing_email="ap@wanjiku.co.ke"
    )
