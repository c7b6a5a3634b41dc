from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction

from accounts.models import Organization
from accounts.services import api_key_create
from billing.services import billing_entity_create
from customers.selectors import customer_quick_search
from customers.services import (
    contact_email_create,
    contact_phone_create,
    customer_archive,
    customer_block,
    customer_create,
    customer_soft_delete,
)
from tests.factories import OrganizationFactory
from transactions.services import transaction_record


@dataclass(frozen=True)
class Directory:
    organization: Organization
    other_organization: Organization
    api_key: str
    other_api_key: str


def _create_directory(organization: Organization, other_organization: Organization) -> None:
    customer_create(
        organization=organization,
        name="ABC Trading Ltd",
        type="company",
        customer_no="KE-001",
        tax_id="A012345678B",
        email="info@abctrading.co.ke",
    )
    amani = customer_create(organization=organization, name="Amani Agencies", customer_no="KE-0021")
    contact_email_create(customer=amani, email="wholesales@kamau.co.ke")
    customer_create(
        organization=organization,
        name="Jane Wanjiku",
        customer_no="KE-002",
        tax_id="P051234567X",
        phone="+254712345678",
        email="jane@wanjiku.co.ke",
    )
    customer_create(
        organization=organization,
        name="José Muñoz",
        country="CO",
        customer_no="CO-001",
        tax_id="900.123.456-8",
        phone="300 123 4567",
    )
    # The same NIT without its check digit: an exact match for "900123456", a prefix of José's.
    customer_create(
        organization=organization, name="Zipaquirá Salt SAS", type="company", country="CO", tax_id="900123456"
    )
    customer_create(
        organization=organization,
        name="Søren Møller ApS",
        type="company",
        country="DK",
        customer_no="DK-001",
        tax_id="10150817",
        phone="32 12 34 56",
    )
    customer_create(
        organization=organization,
        name="Kofi Mensah Enterprises",
        country="GH",
        tax_id="C0012345678",
        phone="024 123 4567",
    )
    otieno = customer_create(
        organization=organization,
        name="Otieno Hardware",
        legal_name="Otieno Hardware Limited",
        alias="OHL Kisumu",
        contact_phone="0722 100 200",
    )
    contact_phone_create(customer=otieno, number="0733 000 111")
    contact_email_create(customer=otieno, email="procurement@otieno.co.ke")
    mboga = customer_create(organization=organization, name="Mama Mboga Kiosk")
    billing_entity_create(customer=mboga, legal_name="Kariuki Fresh Produce Ltd", tax_id="A098765432K")
    baraka = customer_create(organization=organization, name="Baraka Supplies")
    transaction_record(
        organization=organization, customer=baraka, type="sale", total_amount="11600.00", reference="INV-2024-0042"
    )
    customer_create(organization=organization, name="Zebra Logistics", customer_no="KAMAU", email="sales@kamau.co.ke")
    customer_create(organization=organization, name="Kamau Electricals")
    customer_create(organization=organization, name="Kamau Brothers")
    customer_create(organization=organization, name="Peter Kamau")
    customer_create(organization=organization, name="Wambui Stores", legal_name="Kamau Holdings Ltd")
    customer_archive(customer=customer_create(organization=organization, name="Chebet Agrovet"))
    customer_block(customer=customer_create(organization=organization, name="Chebet Pharmacy"))
    customer_soft_delete(
        customer=customer_create(
            organization=organization, name="Kamau Old Shop", customer_no="DEL-001", phone="0711 000 222"
        )
    )
    customer_create(
        organization=other_organization,
        name="Kamau Enterprises",
        customer_no="KAMAU",
        tax_id="P051234567X",
        phone="+254712345678",
        email="jane@wanjiku.co.ke",
    )


@pytest.fixture(scope="module")
def directory(django_db_setup, django_db_blocker) -> Iterator[Directory]:
    """A fixed set of customers, created through the services, that the search tables run over.

    It is built once per test module inside a transaction that is rolled back after the module;
    each test runs in a savepoint inside it (as Django's setUpTestData does), so a test's own
    writes never reach the next test.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        organization = OrganizationFactory(name="Nairobi Traders", slug="nairobi-traders")
        other_organization = OrganizationFactory(name="Accra Traders", slug="accra-traders")
        _create_directory(organization, other_organization)
        yield Directory(
            organization=organization,
            other_organization=other_organization,
            api_key=api_key_create(organization=organization, name="Till", scope="read").secret,
            other_api_key=api_key_create(organization=other_organization, name="Till", scope="read").secret,
        )
        transaction.set_rollback(True)


@pytest.fixture
def found(db, directory) -> Callable[[str], list[str]]:
    """``found(query)``: the names the quick search answers for ``query``, best first."""

    def search(query: str) -> list[str]:
        customers = customer_quick_search(organization=directory.organization, query=query, limit=50)
        return [customer.name for customer in customers]

    return search


@pytest.fixture
def api_get(db, client, directory) -> Callable[..., object]:
    """``api_get(path, params)``: a GET on /api/v1/ with the directory organization's read key."""

    def get(path: str, params: dict, *, key: str | None = None):
        return client.get(f"/api/v1/{path}", params, HTTP_AUTHORIZATION=f"Bearer {key or directory.api_key}")

    return get
