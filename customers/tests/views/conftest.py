import pytest
from django.test import Client

from customers.services import customer_create
from tests.factories import CategoryFactory, MembershipFactory


@pytest.fixture
def client_as():
    """``client_as(user)``: a browser session signed in as ``user``."""

    def make(user, **kwargs) -> Client:
        session = Client(**kwargs)
        session.force_login(user)
        return session

    return make


@pytest.fixture
def retail(organization):
    return CategoryFactory(organization=organization, name="Retail")


@pytest.fixture
def wanjiku(organization, retail, manager):
    """A Kenyan company customer created the way the pages create one."""
    return customer_create(
        organization=organization,
        actor=manager,
        name="Wanjiku Traders Ltd",
        type="company",
        tax_id="A051234567X",
        phone="0712 345 678",
        email="accounts@wanjiku.co.ke",
        category=retail,
    )


@pytest.fixture
def foreign_customer(other_organization):
    return customer_create(organization=other_organization, name="Bogotá Distribuciones SAS", country="CO")


@pytest.fixture
def other_org_manager(other_organization):
    return MembershipFactory(organization=other_organization, role="manager").user
