"""Under the Content-Security-Policy the pages work in Chromium, and nothing they do is blocked.

Each page records the violations Chromium reports (the securitypolicyviolation event, from a
script Playwright adds before the page's own, which the policy does not govern).
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI || "inline"} ${event.sample || ""}`.trim());
});
"""


@pytest.fixture
def violations(page):
    """Call it to read what the policy blocked on the current page (and in the console)."""
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on(
        "console", lambda message: console.append(message.text) if "Content Security Policy" in message.text else None
    )

    def read() -> list[str]:
        return page.evaluate("window.cspViolations || []") + console

    return read


def test_the_back_office_works_with_nothing_blocked(violations, signed_in, live_server, demo):
    page = signed_in
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    assert violations() == []

    page.goto(f"{live_server.url}/customers/")
    searches = []
    page.on("request", lambda request: searches.append(request.url) if "search=wanj" in request.url else None)
    page.get_by_label("Search customers").press_sequentially("wanj", delay=40)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    # Leaving the box fires its change event; the query it already sent is not sent again.
    page.keyboard.press("Tab")
    page.locator("#id_status").select_option("active")
    expect(page).to_have_url(re.compile(r"search=wanj.*status=active|status=active.*search=wanj"))
    assert len([url for url in searches if "status=" not in url]) == 1
    assert violations() == []

    page.get_by_role("link", name="Jane Wanjiku").click()
    expect(page.get_by_role("heading", name="Jane Wanjiku", level=1)).to_be_visible()
    phones = page.locator("#phones")
    phones.get_by_role("link", name="Add phone").click()
    expect(phones.get_by_label("Phone number")).to_be_visible()
    assert violations() == []

    page.goto(f"{live_server.url}/customers/new/")
    page.get_by_label("Name").first.fill("Achieng Stores")
    page.get_by_label("Tax ID").press_sequentially("P12345", delay=30)
    expect(page.get_by_label("Tax ID")).to_have_attribute("aria-invalid", "true")
    assert violations() == []


def test_script_injected_into_a_page_does_not_run(violations, signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/customers/")

    ran = page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.appendChild(script);
          const image = document.createElement("div");
          image.innerHTML = '<img src="data:," onerror="window.injected = true">';
          document.body.appendChild(image);
          return new Promise((resolve) => setTimeout(() => resolve(window.injected === true), 300));
        }"""
    )

    assert ran is False
    blocked = violations()
    assert any(line.startswith("script-src-elem inline") for line in blocked), blocked
    assert any(line.startswith("script-src-attr inline") for line in blocked), blocked


def test_the_api_docs_render_under_their_own_policy(violations, page, live_server):
    page.goto(f"{live_server.url}/api/v1/docs")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Customer Hub API")
    assert violations() == []


def test_the_admins_export_page_select_all_still_works(violations, page, live_server, demo):
    get_user_model().objects.create_superuser("auditor", "auditor@example.co.ke", "Audit-pass-2025")
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("auditor")
    page.get_by_label("Password").fill("Audit-pass-2025")
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server.url}/admin/customers/customer/export/")
    toggle = page.locator("input[name=select-all-toggle]")
    fields = page.locator(".selectable-field-export-row input[type=checkbox]:visible")
    expect(toggle).to_be_checked()
    toggle.uncheck()

    expect(fields.first).not_to_be_checked()
    assert violations() == []
