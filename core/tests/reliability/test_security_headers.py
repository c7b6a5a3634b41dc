"""Every HTML answer carries a Content-Security-Policy, and the pages need nothing it forbids.

The policy keeps injected markup from running: scripts, styles and images come from this site,
inline script and style only with the request's nonce, inline handlers and style attributes never.
tests/browser/test_content_security_policy.py checks the same pages in Chromium.
"""

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import import_export
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

STRICT_DIRECTIVES = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
}
INLINE_HANDLER = re.compile(r"""\s(on[a-z]+)\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in policy.split(";"))}


class InlineCode(HTMLParser):
    """What a page would run or apply inline, and the nonces it carries."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.nonces: set[str] = set()
        self.htmx_config = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
        if tag == "meta" and attributes.get("name") == "htmx-config":
            self.htmx_config = attributes.get("content") or ""
        inline_script = tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json"
        if inline_script or tag == "style":
            if attributes.get("nonce"):
                self.nonces.add(attributes["nonce"])
            else:
                self.problems.append(f"<{tag}> without a nonce")
        if tag == "a" and (attributes.get("href") or "").lower().startswith("javascript:"):
            self.problems.append(f"<a href={attributes['href']!r}>")


def inline_code(response) -> InlineCode:
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def signed_in(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def customer(organization):
    return CustomerFactory(organization=organization, name="Wanjiku Traders Ltd")


def test_a_back_office_page_carries_the_strict_policy_with_a_fresh_nonce(signed_in, customer):
    first = signed_in.get("/customers/")
    second = signed_in.get("/customers/")

    policy = directives(first)
    nonce = policy["script-src"][1].removeprefix("'nonce-").removesuffix("'")
    assert first.status_code == 200
    assert {name: policy[name] for name in STRICT_DIRECTIVES} == STRICT_DIRECTIVES
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert len(nonce) >= 16
    assert directives(second)["script-src"] != policy["script-src"]
    # htmx adds its indicator style with the page's nonce.
    assert f'"inlineStyleNonce": "{nonce}"' in inline_code(first).htmx_config
    assert '"allowEval": false' in inline_code(first).htmx_config


@pytest.mark.parametrize(
    ("path", "htmx", "status"),
    [
        ("/", False, 200),
        ("/customers/", False, 200),
        ("/customers/?search=wanjiku&status=active", False, 200),
        ("/customers/?search=wanjiku", True, 200),
        ("/customers/{customer}/", False, 200),
        ("/customers/{customer}/edit/", False, 200),
        ("/customers/{customer}/emails/", True, 200),
        ("/customers/{customer}/billing-entities/", True, 200),
        ("/customers/new/", False, 200),
        ("/no-such-page/", False, 404),
    ],
)
def test_the_back_office_pages_need_no_inline_code_the_policy_forbids(signed_in, customer, path, htmx, status):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = signed_in.get(path.format(customer=customer.pk), **headers)

    assert response.status_code == status
    assert "Content-Security-Policy" in response
    assert inline_code(response).problems == []


def test_the_sign_in_page_and_the_outage_page_carry_the_policy(client):
    response = client.get("/accounts/login/")

    assert directives(response)["frame-ancestors"] == ["'none'"]
    assert inline_code(response).problems == []
    outage_page = Path(settings.BASE_DIR, "templates", "503.html").read_text()
    assert "<script" not in outage_page and "style=" not in outage_page


def test_no_template_of_the_project_has_inline_code_without_a_nonce():
    problems = []
    for template in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        if template.parts[-2] == "exports":
            continue  # PDF layouts: read by WeasyPrint, never served to a browser
        text = template.read_text()
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", text):
            if "src=" not in tag and "nonce=" not in tag and "application/json" not in tag:
                problems.append(f"{template.relative_to(settings.BASE_DIR)}: {tag}")
        for match in re.finditer(r"\sstyle\s*=|" + INLINE_HANDLER.pattern, text, re.IGNORECASE):
            problems.append(f"{template.relative_to(settings.BASE_DIR)}: {match.group(0).strip()}")
        if re.search(r"""href\s*=\s*["']\s*javascript:""", text, re.IGNORECASE):
            problems.append(f"{template.relative_to(settings.BASE_DIR)}: javascript: URL")
        # htmx runs these through eval, which the policy forbids (htmx is configured not to try).
        for match in re.finditer(r"""\shx-on\S*\s*=|\shx-vars\s*=|\shx-vals\s*=\s*["']\s*js:""", text):
            problems.append(f"{template.relative_to(settings.BASE_DIR)}: {match.group(0).strip()}")

    assert problems == []


def test_json_answers_and_files_carry_no_page_policy(api, customer):
    response = api.get("customers")

    assert response["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in response


def test_the_api_docs_page_gets_the_relaxed_policy_swagger_ui_needs(client):
    response = client.get("/api/v1/docs")

    policy = directives(response)
    assert response.status_code == 200
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]


def test_the_admin_allows_exactly_the_inline_handler_of_the_installed_export_page(organization):
    admin = get_user_model().objects.create_superuser("auditor", "auditor@example.co.ke", "Audit-2025!")
    client = Client()
    client.force_login(admin)
    export_page = Path(import_export.__file__).parent / "templates" / "admin" / "import_export" / "export.html"
    handlers = {value.strip("\"'") for _, value in INLINE_HANDLER.findall(export_page.read_text())}

    response = client.get("/admin/customers/customer/export/")

    policy = directives(response)
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'" for code in handlers}
    assert response.status_code == 200
    assert handlers == {"onSelectToggleChange(event)"}
    assert policy["script-src"] == ["'self'", "'unsafe-hashes'", *sorted(hashes)]
    assert policy["frame-ancestors"] == ["'none'"]
