import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from billing.services import billing_entity_create
from customers.services import contact_email_create, contact_phone_create, customer_archive, customer_create
from tests.factories import CategoryFactory, CustomerFactory
from transactions.services import transaction_record

NAIROBI = ZoneInfo("Africa/Nairobi")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Job result files go to a throw-away folder, never into the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def wholesale(organization):
    return CategoryFactory(organization=organization, name="Wholesale")


@pytest.fixture
def kamau(organization, wholesale):
    customer = customer_create(
        organization=organization,
        customer_no="CUST001",
        name="Kamau Wholesalers Ltd",
        legal_name="Kamau Wholesalers Limited",
        type="company",
        tax_id="A051234567X",
        phone="0712 345 678",
        email="accounts@kamau.co.ke",
        address="Moi Avenue 12",
        city="Nairobi",
        category=wholesale,
        credit_limit="50000.00",
    )
    transaction_record(
        organization=organization,
        customer=customer,
        type="sale",
        total_amount="1500.50",
        tax_amount="206.97",
        reference="INV-1001",
        occurred_at=datetime(2024, 5, 20, 9, 30, tzinfo=NAIROBI),
    )
    customer.refresh_from_db()
    return customer


@pytest.fixture
def munoz(organization):
    """A retail customer in credit: a deposit larger than any sale."""
    customer = customer_create(
        organization=organization,
        customer_no="CUST002",
        name="José Muñoz",
        tax_id="P051234568Y",
        phone="+254733345678",
        email="jose@munoz.co.ke",
    )
    transaction_record(organization=organization, customer=customer, type="deposit", total_amount="250.00")
    customer.refresh_from_db()
    return customer


@pytest.fixture
def archived(organization):
    customer = customer_create(organization=organization, customer_no="CUST003", name="Old Duka Stores")
    return customer_archive(customer=customer)


@pytest.fixture
def stranger(other_organization):
    return customer_create(organization=other_organization, customer_no="CUST001", name="Foreign Traders Ltd")


@pytest.fixture
def kamau_with_contacts(kamau):
    contact_email_create(customer=kamau, email="billing@kamau.co.ke", contact_name="Wanjiku Mwangi", role="Accounts")
    contact_phone_create(customer=kamau, number="+254722000111", is_whatsapp=True, contact_name="Otieno")
    billing_entity_create(
        customer=kamau,
        legal_name="Kamau Wholesalers Limited",
        tax_id="A051234567X",
        billing_email="invoices@kamau.co.ke",
        fiscal_address="Moi Avenue 12, Nairobi",
    )
    transaction_record(
        organization=kamau.organization,
        customer=kamau,
        type="payment",
        total_amount="500.00",
        reference="RCT-2001",
        occurred_at=datetime(2024, 5, 28, 15, 0, tzinfo=NAIROBI),
    )
    kamau.refresh_from_db()
    return kamau


@pytest.fixture
def injected(organization):
    """Rows whose text a spreadsheet would run as formulas if written as they are."""
    return [
        CustomerFactory(
            organization=organization,
            customer_no="INJ1",
            name="=cmd|' /C calc'!A0",
            legal_name="+1 Holdings",
            address="-2 Kenyatta Avenue",
            city="@SUM(1+1)",
        ),
        CustomerFactory(organization=organization, customer_no="INJ2", name="\tTab Traders", address="\rCarriage Road"),
    ]


@pytest.fixture
def read_xlsx():
    def read(content: bytes):
        return load_workbook(io.BytesIO(content))

    return read


@pytest.fixture
def pdf_text():
    """The text of every page of a PDF, and the number of pages."""

    def read(content: bytes) -> tuple[str, int]:
        reader = PdfReader(io.BytesIO(content))
        return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)

    return read
