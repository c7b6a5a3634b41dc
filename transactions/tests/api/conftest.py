import pytest

from accounts.models import Branch
from accounts.services import branch_create
from customers.models import Customer
from customers.services import customer_create


@pytest.fixture
def customer(organization) -> Customer:
    return customer_create(
        organization=organization,
        customer_no="CUST001",
        name="ABC Trading Ltd",
        type="company",
        tax_id="A051234567Z",
        phone="+254712345678",
        email="accounts@abctrading.co.ke",
    )


@pytest.fixture
def walk_in(organization) -> Customer:
    """A second customer of the same organization."""
    return customer_create(organization=organization, customer_no="WALKIN", name="Walk-in Customer")


@pytest.fixture
def foreign_customer(other_organization) -> Customer:
    """A customer of another organization, with the same number as ``customer``."""
    return customer_create(
        organization=other_organization, customer_no="CUST001", name="Kofi Mensah Enterprises", phone="+254722000111"
    )


@pytest.fixture
def westlands(organization) -> Branch:
    return branch_create(organization=organization, code="01", name="Westlands")
