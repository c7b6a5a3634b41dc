"""Screenshots of the main pages at 1440 px (and the list at 375 px) for docs/screenshots/."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

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
