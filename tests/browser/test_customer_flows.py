"""What a member of staff does in a browser: sign in, search, open, edit inline, create."""

import re

import pytest
from playwright.sync_api import expect

from customers.models import ContactPhone, Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_and_out(page, live_server, demo):
    from tests.browser.conftest import PASSWORD

    page.goto(f"{live_server.url}/customers/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/customers/"))
    page.get_by_label("Username").fill("amina")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/customers/")
    expect(page.get_by_role("heading", name="Customers", exact=True)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")


def test_live_search_finds_a_customer_by_part_of_a_name_without_enter(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/customers/")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(12)

    page.get_by_label("Search customers").press_sequentially("wanj", delay=40)

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Jane Wanjiku")
    # The address bar follows the search, so the page can be shared and reloaded.
    expect(page).to_have_url(re.compile(r"/customers/\?search=wanj$"))
    page.reload()
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.get_by_label("Search customers")).to_have_value("wanj")


def test_going_back_to_a_search_shows_its_query_with_its_results(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/customers/")
    search = page.get_by_label("Search customers")
    rows = page.locator("#results tbody tr")
    search.press_sequentially("otieno", delay=40)
    expect(page).to_have_url(re.compile(r"/customers/\?search=otieno$"))
    expect(rows).to_have_count(1)
    search.fill("")
    search.press_sequentially("wanj", delay=40)
    expect(page).to_have_url(re.compile(r"/customers/\?search=wanj$"))
    expect(rows.first).to_contain_text("Jane Wanjiku")

    # Back within the list (htmx's own history): the earlier query comes back with its results.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/customers/\?search=otieno$"))
    expect(rows.first).to_contain_text("Otieno Hardware")
    expect(search).to_have_value("otieno")

    # Back from a customer's page: the whole list page, never the list's part alone from the cache.
    rows.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/customers/\?search=otieno$"))
    expect(rows).to_have_count(1)
    expect(search).to_have_value("otieno")


def test_filters_apply_on_change_and_export_links_follow(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/customers/")

    page.locator("#id_status").select_option("blocked")

    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("Kiprono Farm Supplies")
    expect(page.get_by_role("link", name="CSV")).to_have_attribute(
        "href", "/api/v1/customers/export?format=csv&status=blocked"
    )


def wait_until_htmx_settled(page, arrived) -> None:
    """Until ``arrived`` is on the page and htmx has wired what came with it.

    htmx attaches the triggers of swapped-in content when it settles, a moment after the swap,
    and takes its ``htmx-added`` class off then: a field typed into before that is not checked live.
    """
    expect(arrived).to_be_visible()
    expect(page.locator(".htmx-added")).to_have_count(0)


def test_open_a_customer_add_a_phone_inline_and_lock_it(signed_in, live_server, demo):
    page = signed_in
    customer = demo["customers"]["Jane Wanjiku"]
    page.goto(f"{live_server.url}/customers/")
    page.get_by_role("link", name="Jane Wanjiku").click()
    expect(page.get_by_role("heading", name="Jane Wanjiku", level=1)).to_be_visible()

    phones = page.locator("#phones")
    phones.get_by_role("link", name="Add phone").click()
    wait_until_htmx_settled(page, phones.get_by_label("Phone number"))
    phones.get_by_label("Phone number").press_sequentially("0733 555 777", delay=20)
    expect(phones.locator(".field-ok")).to_have_text("Will be saved as +254733555777")
    phones.get_by_label("On WhatsApp").check()
    phones.get_by_role("button", name="Add phone").click()

    expect(phones).to_contain_text("+254733555777")
    expect(page.locator("#messages")).to_contain_text("added")
    assert page.url.endswith(f"/customers/{customer.pk}/")  # no full page load happened

    phones.get_by_role("button", name="Lock +254733555777").click()

    expect(phones.locator(".badge--locked")).to_be_visible()
    expect(phones.get_by_role("button", name="Unlock +254733555777")).to_be_visible()
    expect(phones.get_by_role("link", name="Edit +254733555777")).to_have_count(0)
    assert ContactPhone.objects.get(customer=customer, number="+254733555777").is_locked


def test_a_live_check_answers_beside_its_field_and_moves_nothing_below_it(signed_in, live_server, demo):
    """Room is kept for a one-line answer, so a click aimed at the next field lands where it was aimed."""
    page = signed_in
    page.goto(f"{live_server.url}/customers/{demo['customers']['Jane Wanjiku'].pk}/")
    phones = page.locator("#phones")
    phones.get_by_role("link", name="Add phone").click()
    wait_until_htmx_settled(page, phones.get_by_label("Phone number"))
    whatsapp = phones.get_by_label("On WhatsApp")

    def place() -> tuple[float, float]:  # in the page, whatever it is scrolled to
        return tuple(
            whatsapp.evaluate(
                "box => [box.getBoundingClientRect().left + scrollX, box.getBoundingClientRect().top + scrollY]"
            )
        )

    before = place()
    phones.get_by_label("Phone number").press_sequentially("0733 555 777", delay=20)
    expect(phones.locator(".field-ok")).to_have_text("Will be saved as +254733555777")
    after_ok = place()
    phones.get_by_label("Phone number").fill("12")
    # A second answer replaces the first in the same place, beside the phone number.
    expect(page.locator("#id_phones-number-feedback")).to_have_text(
        "Enter a valid phone number, for example +254712345678."
    )
    expect(page.locator("#id_phones-extension-feedback")).to_be_empty()

    # Sub-pixel rounding aside, the box has not moved (a message line is about 20 px).
    assert max(abs(a - b) for a, b in zip(after_ok, before, strict=True)) < 1


def test_bad_kra_pin_is_flagged_beside_the_field_before_submitting(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/customers/new/")
    page.get_by_label("Name").first.fill("Kamau Hardware")

    page.get_by_label("Tax ID").press_sequentially("P12345", delay=30)

    feedback = page.locator("#id_tax_id-feedback")
    expect(feedback).to_have_text("The tin format is invalid.")
    expect(page.get_by_label("Tax ID")).to_have_attribute("aria-invalid", "true")
    assert not Customer.objects.filter(name="Kamau Hardware").exists()

    page.get_by_label("Tax ID").fill("")
    page.get_by_label("Tax ID").press_sequentially("p051234567x", delay=30)
    expect(feedback).to_contain_text("Will be saved as P051234567X")
    page.get_by_role("button", name="Create customer").click()
    expect(page.get_by_role("heading", name="Kamau Hardware", level=1)).to_be_visible()
    assert Customer.objects.get(name="Kamau Hardware").tax_id == "P051234567X"


def test_submitted_bad_kra_pin_keeps_the_form_and_shows_the_error(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/customers/new/")
    page.get_by_label("Name").first.fill("Kamau Hardware")
    page.get_by_label("Tax ID").fill("P12345")
    page.get_by_label("Email", exact=True).fill("sales@kamau.co.ke")
    # The live check's message moves the button down; the click waits for it.
    expect(page.locator("#id_tax_id-feedback")).to_have_text("The tin format is invalid.")

    page.get_by_role("button", name="Create customer").click()

    expect(page.locator("#id_tax_id-feedback")).to_have_text("The tin format is invalid.")
    expect(page.get_by_label("Email", exact=True)).to_have_value("sales@kamau.co.ke")
    expect(page.locator(".error-summary")).to_be_focused()


def test_keyboard_only_search_opens_the_customer(signed_in, live_server, demo):
    page = signed_in
    customer = demo["customers"]["Otieno Hardware Ltd"]
    page.goto(f"{live_server.url}/customers/")
    page.locator("body").click(position={"x": 5, "y": 400})

    page.keyboard.press("/")
    expect(page.get_by_label("Search customers")).to_be_focused()
    page.keyboard.type("otien", delay=40)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("link", name="Otieno Hardware Ltd")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/customers/{customer.pk}/")


def test_quick_search_from_any_page(signed_in, live_server, demo):
    page = signed_in
    customer = demo["customers"]["Mombasa Dairies Ltd"]

    page.keyboard.press("/")
    page.keyboard.type("momba", delay=40)
    expect(page.locator("#quick-results [data-result-link]").first).to_contain_text("Mombasa Dairies Ltd")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/customers/{customer.pk}/")


def test_pages_read_without_javascript(browser, live_server, demo):
    from django.test import Client

    session = Client()
    session.force_login(demo["manager"])
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies([{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()

    page.goto(f"{live_server.url}/customers/")
    page.get_by_label("Search customers").fill("dairies")
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"search=dairies"))
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Mombasa Dairies Ltd").click()
    expect(page.get_by_role("heading", name="Mombasa Dairies Ltd", level=1)).to_be_visible()
    context.close()


def test_the_ledger_fits_a_1366_pixel_screen_and_its_statement_link_follows_the_dates(signed_in, live_server, demo):
    page = signed_in
    page.set_viewport_size({"width": 1366, "height": 900})
    customer = demo["customers"]["Otieno Hardware Ltd"]
    page.goto(f"{live_server.url}/customers/{customer.pk}/")

    table = page.locator("#transactions-panel table")
    expect(table).to_be_visible()
    overflow = table.evaluate("table => table.scrollWidth - table.parentElement.clientWidth")
    assert overflow <= 0, f"the ledger scrolls sideways by {overflow} px"

    page.fill("#id_tx_from", "2024-01-01")
    page.fill("#id_tx_to", "2024-12-31")
    page.locator("#id_tx_to").dispatch_event("change")
    expect(page.locator("#statement-link")).to_have_attribute(
        "href", f"/api/v1/customers/{customer.pk}/statement.pdf?from_date=2024-01-01&to_date=2024-12-31"
    )
