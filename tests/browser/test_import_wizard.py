"""Importing an Excel list in a browser: upload, see the invalid cell, confirm, see the result."""

import re

import pytest
from playwright.sync_api import expect

from customers.models import Customer
from customers.tests.imports.conftest import xlsx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PIN_MESSAGE = "The tin format is invalid."


@pytest.fixture
def workbook(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "new-customers.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [
                ["Name", "KRA PIN", "Phone Number", "Unpaid Amount"],
                ["Wairimu Bakers Ltd", "A009876543K", "0722 123 456", 4200],
                ["Mwangi Motors", "P059876543Q", "0733 987 654", None],
                ["Pin Typo Traders", "A12", "0711 222 333", None],
            ]
        )
    )
    return path


def test_upload_preview_with_the_invalid_cell_confirm_and_see_the_result(signed_in, live_server, workbook):
    page = signed_in
    page.goto(f"{live_server.url}/import/")
    expect(page.get_by_role("heading", name="Import customers", level=1)).to_be_visible()

    page.get_by_label("Customer file").set_input_files(str(workbook))
    page.get_by_role("button", name="Upload and check").click()

    expect(page.get_by_role("heading", name="Check new-customers.xlsx", level=1)).to_be_visible()
    invalid = page.locator("td.import-cell--invalid")
    expect(invalid).to_have_count(1)
    expect(invalid).to_have_attribute("title", PIN_MESSAGE)
    expect(invalid).to_have_attribute("data-cell", "B4")
    expect(invalid).to_contain_text("A12")
    expect(page.locator("#import-errors tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Download the error report (.xlsx)").first).to_be_visible()
    assert not Customer.objects.filter(name="Wairimu Bakers Ltd").exists()

    page.get_by_label("Skip invalid rows").check()
    page.get_by_role("button", name="Confirm and import").click()

    expect(page).to_have_url(re.compile(r"/import/jobs/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("status")).to_contain_text("2 created, 0 updated; 1 invalid row was left out")
    expect(page.locator('[data-count="created"]')).to_have_text("2")
    expect(page.locator('[data-count="opening_balances"]')).to_have_text("1")

    page.get_by_role("link", name="Go to the customers").click()
    page.get_by_label("Search customers").first.press_sequentially("Wairimu", delay=30)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("Wairimu Bakers Ltd")
    assert set(Customer.objects.filter(source="import").values_list("name", flat=True)) == {
        "Wairimu Bakers Ltd",
        "Mwangi Motors",
    }


def test_a_refused_file_is_explained_beside_the_file_field(signed_in, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    fake = tmp_path / "customers.xlsx"
    fake.write_text("Name,Phone\nJane,0712345678\n")
    page = signed_in
    page.goto(f"{live_server.url}/import/")

    page.get_by_label("Customer file").set_input_files(str(fake))
    page.get_by_role("button", name="Upload and check").click()

    expect(page.locator("#id_file-feedback")).to_contain_text("not a real .xlsx workbook")
    expect(page.get_by_label("Customer file")).to_have_attribute("aria-invalid", "true")
