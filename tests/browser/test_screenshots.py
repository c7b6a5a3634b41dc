"""Screenshots of the main pages at 1440 px (and the list at 375 px) for docs/screenshots/."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from customers.tests.imports.conftest import xlsx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shoot(page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    assert path.stat().st_size > 10_000
    return path


def test_main_pages(signed_in, live_server, demo):
    page = signed_in
    thika = demo["customers"]["Thika Stationers Limited"]

    expect(page.locator(".hbar-chart")).to_be_visible()
    shoot(page, "dashboard")

    page.goto(f"{live_server.url}/customers/")
    expect(page.locator("#results tbody tr")).to_have_count(12)
    shoot(page, "customers")

    page.get_by_label("Search customers").press_sequentially("ltd", delay=30)
    expect(page.locator("#results")).to_contain_text("matching “ltd”")
    shoot(page, "customers_search")

    page.goto(f"{live_server.url}/customers/{thika.pk}/")
    expect(page.locator(".column-chart__bar")).to_have_count(10)
    shoot(page, "customer_detail")

    page.goto(f"{live_server.url}/customers/new/")
    page.get_by_label("Name").first.fill("Kamau Hardware")
    page.get_by_label("Tax ID").press_sequentially("P12345", delay=20)
    expect(page.locator("#id_tax_id-feedback")).to_have_text("The tin format is invalid.")
    shoot(page, "customer_form_error", full_page=False)


def test_settings_pages(signed_in, live_server, demo):
    from accounts.services import api_key_create, api_key_revoke, api_key_touch
    from billing.models import PaymentTerms
    from customers.models import ContactOrigin
    from customers.services import lookup_create

    organization, manager = demo["organization"], demo["manager"]
    for origin in ("Walk-in", "Referral", "Web form"):
        lookup_create(model=ContactOrigin, organization=organization, name=origin)
    for name, days, description in (
        ("Cash on delivery", 0, "Paid when the goods arrive."),
        ("Net 30", 30, "Due 30 days after the invoice date."),
    ):
        lookup_create(model=PaymentTerms, organization=organization, name=name, days=days, description=description)
    shop = api_key_create(organization=organization, name="Online shop", scope="write", created_by=manager)
    api_key_touch(api_key=shop.api_key)
    api_key_create(organization=organization, name="Accounting export", created_by=manager)
    old_till = api_key_create(organization=organization, name="Old POS till", scope="write", created_by=manager)
    api_key_revoke(api_key=old_till.api_key)
    page = signed_in

    page.goto(f"{live_server.url}/lookups/")
    expect(page.locator("#categories tbody tr")).to_have_count(5)
    shoot(page, "lookups")

    page.goto(f"{live_server.url}/settings/api-keys/")
    expect(page.locator("#keys tbody tr")).to_have_count(3)
    shoot(page, "api_keys")


def test_import_wizard(signed_in, live_server, demo, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    workbook = tmp_path / "new-customers.xlsx"
    workbook.write_bytes(
        xlsx_bytes(
            [
                ["Name", "KRA PIN", "Phone Number", "Email-Address", "City", "Unpaid Amount"],
                ["Wairimu Bakers Ltd", "A009876543K", "0722 123 456", "orders@wairimu.co.ke", "Nairobi", 4200],
                ["Mwangi Motors", "P059876543Q", "0733 987 654", "", "Nakuru", None],
                ["Pin Typo Traders", "A12", "0711 222 333", "", "Eldoret", None],
                ["Kilimani Pharmacy", "A001122334M", "0799 555 010", "info@kilimani.co.ke", "Nairobi", 12850.5],
            ]
        )
    )
    page = signed_in
    page.goto(f"{live_server.url}/import/")
    page.get_by_label("Customer file").set_input_files(str(workbook))
    page.get_by_role("button", name="Upload and check").click()

    expect(page.locator("td.import-cell--invalid")).to_have_count(1)
    expect(page.locator("td.import-cell--invalid")).to_have_attribute("data-cell", "B4")
    shoot(page, "import_preview")

    page.get_by_label("Skip invalid rows").check()
    page.get_by_role("button", name="Confirm and import").click()
    expect(page).to_have_url(re.compile(r"/import/jobs/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("status")).to_contain_text("3 created, 0 updated; 1 invalid row was left out")
    shoot(page, "import_result")


def test_phone_width(page, live_server, demo):
    from django.test import Client

    session = Client()
    session.force_login(demo["manager"])
    page.set_viewport_size({"width": 375, "height": 812})
    page.context.add_cookies(
        [{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}]
    )
    thika = demo["customers"]["Thika Stationers Limited"]

    page.goto(f"{live_server.url}/customers/")
    expect(page.locator("#results tbody tr")).to_have_count(12)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shoot(page, "customers_mobile", full_page=False)

    page.goto(f"{live_server.url}/customers/{thika.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shoot(page, "customer_detail_mobile", full_page=False)
