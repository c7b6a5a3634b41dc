"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

Skipped, with the reason, where /usr/bin/chromium is missing (install it with
`apt-get install chromium`); Playwright never downloads a browser here.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

# Playwright's sync API runs an event loop in the test thread; the ORM calls of the fixtures are
# still made one at a time from that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "Browser-pass-2024"
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1440, "height": 900}, "locale": "en-GB"}


@pytest.fixture
def demo(transactional_db):
    """A small, realistic organization: a manager, categories, customers and a year of sales."""
    from accounts.services import membership_set, organization_create
    from billing.services import billing_entity_create
    from customers.models import Category, CustomerGroup
    from customers.services import (
        contact_email_create,
        contact_phone_create,
        customer_archive,
        customer_block,
        customer_create,
        customer_update,
        lookup_create,
    )
    from transactions.services import transaction_record

    organization = organization_create(name="Demo Traders", slug="demo-browser")
    manager = membership_set(organization=organization, username="amina", password=PASSWORD, role="manager").user
    manager.first_name, manager.last_name = "Amina", "Odhiambo"
    manager.save(update_fields=["first_name", "last_name"])
    categories = {
        name: lookup_create(model=Category, organization=organization, name=name)
        for name in ("Retail", "Wholesale", "Hospitality", "Corporate", "Government")
    }
    key_accounts = lookup_create(model=CustomerGroup, organization=organization, name="Key accounts")
    rows = [
        ("Jane Wanjiku", "individual", "P051234567X", "+254712345678", "Retail"),
        ("Otieno Hardware Ltd", "company", "A001234567B", "+254722111333", "Wholesale"),
        ("Mombasa Dairies Ltd", "company", "A002345678C", "+254733222444", "Wholesale"),
        ("Thika Stationers Limited", "company", "A008783937D", "+254205243965", "Corporate"),
        ("Savannah Grill & Lounge", "company", "A003456789E", "+254711000222", "Hospitality"),
        ("Kenya Rural Roads Authority", "government", "A004567890F", "+254202723101", "Government"),
        ("Akinyi Boutique", "individual", "P052345678Y", "+254700123456", "Retail"),
        ("Baraka Supermarket", "company", "A005678901G", "+254746844313", "Retail"),
        ("Nairobi Fresh Produce", "company", "A006789012H", "+254728415241", "Wholesale"),
        ("Kiprono Farm Supplies", "individual", "P053456789Z", "+254715174254", "Retail"),
        ("Lakeside Hotel Kisumu", "company", "A007890123J", "+254738973622", "Hospitality"),
        ("Walk-in Customer", "individual", "", "", "Retail"),
    ]
    customers = {}
    for name, kind, tax_id, phone, category in rows:
        customers[name] = customer_create(
            organization=organization,
            actor=manager,
            name=name,
            type=kind,
            tax_id=tax_id,
            phone=phone,
            email=f"accounts@{name.split()[0].lower()}.co.ke" if kind != "individual" else "",
            category=categories[category],
            city="Nairobi",
        )
    customer_archive(customer=customers["Walk-in Customer"], actor=manager)
    customer_block(customer=customers["Kiprono Farm Supplies"], actor=manager)

    thika = customers["Thika Stationers Limited"]
    customer_update(
        customer=thika,
        actor=manager,
        legal_name="Thika Stationers Limited",
        address="Biashara House, Commercial Street",
        city="Thika",
        contact_first_name="Mutua",
        contact_last_name="Otieno",
        group=key_accounts,
        credit_limit="400000.00",
    )
    contact_email_create(customer=thika, actor=manager, email="invoices@thika.co.ke", use_for_invoicing=True)
    contact_phone_create(customer=thika, actor=manager, number="0722 409 560", contact_name="Mutua", role="Buyer")
    billing_entity_create(customer=thika, actor=manager, legal_name="Thika Stationers Limited", tax_id="A008783937D")
    billing_entity_create(customer=thika, actor=manager, legal_name="Thika Stationers Holdings", tax_id="A004482459U")
    now = timezone.now()
    amounts = [48200, 61500, 0, 39800, 72000, 55300, 0, 86400, 64100, 93800, 71200, 58600]
    for months_ago, amount in enumerate(reversed(amounts)):
        if amount:
            when = now - timedelta(days=30 * months_ago + 2)
            transaction_record(
                organization=organization,
                customer=thika,
                type="sale",
                total_amount=str(amount),
                tax_amount=str(round(amount * 0.16 / 1.16, 2)),
                reference=f"INV-2025-{500 - months_ago:04d}",
                description="Office supplies",
                occurred_at=when,
            )
            transaction_record(
                organization=organization,
                customer=thika,
                type="payment",
                total_amount=str(round(amount * 0.8, 2)),
                reference=f"RCT-2025-{300 - months_ago:04d}",
                description="M-Pesa",
                occurred_at=min(when + timedelta(days=9), now),
            )
    for name, amount in (
        ("Otieno Hardware Ltd", "152000"),
        ("Mombasa Dairies Ltd", "98450.50"),
        ("Jane Wanjiku", "3200"),
    ):
        transaction_record(organization=organization, customer=customers[name], type="sale", total_amount=amount)
    transaction_record(
        organization=organization, customer=customers["Savannah Grill & Lounge"], type="deposit", total_amount="25000"
    )
    return {"organization": organization, "manager": manager, "customers": customers}


@pytest.fixture
def signed_in(page, live_server, demo):
    """The manager signed in through the sign-in page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(demo["manager"].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page
