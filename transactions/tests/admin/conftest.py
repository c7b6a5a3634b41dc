import pytest
from django.test import Client

from customers.models import Customer
from customers.services import customer_create
from transactions.models import Transaction
from transactions.services import transaction_record


@pytest.fixture
def clerk_client(clerk) -> Client:
    client = Client()
    client.force_login(clerk)
    return client


@pytest.fixture
def viewer_client(viewer) -> Client:
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def customer(organization) -> Customer:
    return customer_create(organization=organization, name="Jane Wanjiku", tax_id="P051234567X")


@pytest.fixture
def sale(organization, customer, clerk) -> Transaction:
    return transaction_record(
        organization=organization,
        customer=customer,
        type="sale",
        total_amount="1160.00",
        tax_amount="160.00",
        reference="INV-0001",
        actor=clerk,
    )
