"""What a manager does on the settings pages in a browser: create and copy an API key, add a category."""

import pytest
from playwright.sync_api import expect

from accounts.models import ApiKey
from customers.models import Category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_an_api_key_copy_it_and_use_it(signed_in, live_server, demo):
    page = signed_in
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys", level=1)).to_be_visible()

    page.get_by_label("Name").fill("Online shop")
    page.get_by_label("Access").select_option("write")
    page.get_by_role("button", name="Create key").click()

    expect(page.get_by_role("heading", name="API key created")).to_be_visible()
    secret_input = page.get_by_label("API key for Online shop")
    secret = secret_input.input_value()
    key = ApiKey.objects.get(organization=demo["organization"])
    assert secret.startswith(f"chk_{key.prefix}_")
    expect(secret_input).to_have_attribute("readonly", "")

    page.get_by_role("button", name="Copy key").click()
    expect(page.locator("#api-key-copy")).to_have_text("Copied")
    expect(page.get_by_role("status")).to_have_text("The key is copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == secret

    answer = page.request.get(f"{live_server.url}/api/v1/customers", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 200 and answer.json()["meta"]["total"] == len(demo["customers"])
    key.refresh_from_db()
    assert key.last_used_at is not None  # the key answered, not the signed-in session

    page.get_by_role("link", name="Done").click()
    expect(page.locator("#keys tbody tr")).to_have_count(1)
    expect(page.locator("#keys")).to_contain_text(f"chk_{key.prefix}_…")
    assert secret not in page.content()


def test_add_a_category_inline_and_see_a_duplicate_refused(signed_in, live_server, demo):
    page = signed_in
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Categories & lists").click()
    categories = page.locator("#categories")
    expect(categories.locator("tbody tr")).to_have_count(5)
    lists_url = page.url

    categories.get_by_role("link", name="Add category").click()
    categories.get_by_label("Name").fill("Education")
    categories.get_by_label("Description").fill("Schools and colleges")
    categories.get_by_role("button", name="Add category").click()

    expect(categories.locator("tbody tr")).to_have_count(6)
    expect(categories.get_by_role("row", name="Education")).to_contain_text("Schools and colleges")
    expect(page.locator("#messages")).to_contain_text("Category Education added.")
    assert page.url == lists_url  # the section changed in place
    assert Category.objects.filter(organization=demo["organization"], name="Education").exists()

    categories.get_by_role("link", name="Add category").click()
    categories.get_by_label("Name").fill("retail")
    categories.get_by_role("button", name="Add category").click()

    expect(categories.locator("#id_categories-name-feedback")).to_have_text("A category named 'retail' already exists.")
    expect(categories.get_by_label("Name")).to_have_value("retail")
    expect(categories.locator("tbody tr")).to_have_count(6)
