"""Every route of the API and the pages, walked from the URL resolver, against another organization's data.

Organization B's manager and write key ask for organization A's objects with every method: the
answer is a 404, as for an id that does not exist. Their lists, counts, totals, searches and
exports show none of A's data and do not move when A's data grows. Their writes, with A's ids in
the body, change nothing of A's and link nothing of B's to A's. A's viewer and read key are
refused every write (403, or 405 where the method does not exist). A route added later is walked
the same way; only its URL kwargs may need a line in routes.py, and the walk says which.
"""

import json
import re
from collections.abc import Iterable
from urllib.parse import urlencode

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.shortcuts import resolve_url
from django.test import Client

from core.api.access import SESSION_ORGANIZATION_KEY
from customers.models import Customer
from transactions.models import Transaction

from .routes import PUBLIC_ROUTES, Target, walked_targets
from .tenants import (
    BAOBAB,
    ZIRCON,
    assert_a_unchanged,
    cross_organization_links,
    leaks_in,
    organization_writes,
    response_text,
    tenant_grow,
    tenants_fixture,  # noqa: F401  (the module-scoped fixture)
)

pytestmark = pytest.mark.django_db

TARGETS = walked_targets()
OBJECT_TARGETS = [target for target in TARGETS if target.names_an_object]
COLLECTION_TARGETS = [target for target in TARGETS if not target.names_an_object]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITE_METHODS = METHODS[1:]

# Writes that change no organization's data, so a viewer may make them.
NOT_ORGANIZATION_WRITES = {
    "organization_switch": "chooses which of the caller's own organizations the session works in",
}

# Queries a list, search or export is read with: A's name and tax ID, typed the way a user types them.
READ_QUERIES = {
    "plain": {},
    "q=name": {"q": ZIRCON.customer[:5]},
    "search=name": {"search": ZIRCON.customer[:5]},
    "search=tax-id": {"search": ZIRCON.tax_id[:8]},
    "format=csv": {"format": "csv"},
    "format=pdf": {"format": "pdf"},
}


class Actor:
    def __init__(self, label: str, *, tenant: str, role: str | None = None, scope: str | None = None):
        self.label, self.tenant, self.role, self.scope = label, tenant, role, scope

    def __str__(self) -> str:
        return self.label

    @property
    def has_session(self) -> bool:
        return self.role is not None

    def client(self, tenants) -> Client:
        tenant = getattr(tenants, self.tenant)
        if self.has_session:
            return tenants.session_client(tenant, self.role)
        return Client(HTTP_AUTHORIZATION=f"Bearer {tenant.keys[self.scope]}")


B_MANAGER = Actor("org-B manager", tenant="b", role="manager")
B_WRITE_KEY = Actor("org-B write key", tenant="b", scope="write")
A_VIEWER = Actor("org-A viewer", tenant="a", role="viewer")
A_READ_KEY = Actor("org-A read key", tenant="a", scope="read")
A_MANAGER = Actor("org-A manager", tenant="a", role="manager")
OUTSIDERS = (B_MANAGER, B_WRITE_KEY)
READ_ONLY = (A_VIEWER, A_READ_KEY)


def cases(targets: Iterable[Target], methods: Iterable[str], actors: Iterable[Actor]) -> list:
    return [
        pytest.param(target, method, actor, id=f"{method} {target.id} as {actor}")
        for target in targets
        for method in methods
        for actor in actors
    ]


def probe_body(tenants) -> dict:
    """A body naming A's rows wherever a write could take an id, around values valid enough to get that far."""
    a = tenants.a.objects
    ids = {
        key: a[key].pk
        for key in ("customer", "category", "group", "finance_code", "origin", "payment_terms", "billing_entity")
    }
    return {
        "name": "Isolation Probe",
        "custNm": "Isolation Probe",
        "legal_name": "Isolation Probe Ltd",
        "type": "individual",
        "email": "probe@isolation.example",
        "phone": "+254700000123",
        "number": "+254700000123",
        "code": "99",
        "days": "30",
        "scope": "read",
        "total_amount": "10.00",
        "confirm": "yes",
        **ids,
        **{f"{key}_id": pk for key, pk in ids.items()},
        "customer_ids": [ids["customer"]],
        "branch": a["branch"].pk,
        "branch_id": ZIRCON.branch_code,
        "transaction": str(a["transaction"].pk),
        "transaction_id": str(a["transaction"].pk),
        "organization": tenants.a.organization.pk,
        "organization_id": tenants.a.organization.pk,
        "job": str(a["import_job"].pk),
        "job_id": str(a["import_job"].pk),
        "api_key": a["api_key"].pk,
        "key_id": a["api_key"].pk,
    }


def call(tenants, actor: Actor, method: str, target: Target, url: str, *, client: Client | None = None, query=None):
    """Send the request as ``actor``; an exception escaping the view is a 500 and fails with the route named."""
    client = client or actor.client(tenants)
    try:
        if method == "GET":
            response = client.get(url, query or {})
        elif target.is_api:
            response = client.generic(method, url, json.dumps(probe_body(tenants)), content_type="application/json")
        else:
            body = urlencode(probe_body(tenants), doseq=True)
            response = client.generic(method, url, body, content_type="application/x-www-form-urlencoded")
    except Exception as exc:
        pytest.fail(f"{method} {url} as {actor} raised {exc!r}: a 500 ({target.route.display})")
    assert response.status_code < 500, f"{method} {url} as {actor}: {describe(response, url)}"
    return response


def exchange(tenants, actor: Actor, method: str, target: Target, url: str):
    """The answer, and the statements it ran that wrote organization data."""
    with organization_writes() as writes:
        response = call(tenants, actor, method, target, url)
    return response, writes


def sent_to_sign_in(response) -> bool:
    """The pages take no API key: a caller with only a key is a visitor, sent to sign in (or refused)."""
    if response.status_code == 302:
        return response["Location"].startswith(resolve_url("login"))
    return response.status_code in (401, 403, 405)


def describe(response, url: str) -> str:
    text = response_text(response)
    return f"{response.status_code} from {url}: {text[:300]!r}"


def assert_no_leak(tenants, response, url: str, who: Actor) -> None:
    leaks = leaks_in(response_text(response), tenants.markers)
    assert not leaks, f"{who} was shown organization A's data {leaks} by {url} ({response.status_code})"


# The walk itself ---------------------------------------------------------------------------------


def test_every_url_kwarg_is_filled_with_an_object_of_organization_a():
    problems = [target.problem for target in TARGETS if target.problem]
    assert not problems, "\n".join(problems)


def test_the_walk_reaches_the_api_the_pages_and_the_dashboard():
    walked = {target.route.label for target in TARGETS}
    assert {"api:customer-detail", "api:job-file", "customers:detail", "customers:contact_edit", "dashboard"} <= walked
    assert not walked & set(PUBLIC_ROUTES)
    assert len(OBJECT_TARGETS) > 40 and len(COLLECTION_TARGETS) > 10


@pytest.mark.parametrize("target", [pytest.param(t, id=t.id) for t in OBJECT_TARGETS])
def test_organization_a_reaches_each_of_its_own_objects(tenants, target):
    """The control: each URL the walk builds names a real object, so B's 404 on it means something."""
    url = target.url(tenants.a.objects)
    response = call(tenants, A_MANAGER, "GET", target, url)
    if response.status_code == 405:
        response = call(tenants, A_MANAGER, "POST", target, url)
    assert response.status_code not in (401, 403, 404), describe(response, url)
    if response.status_code == 302:
        assert not response["Location"].startswith(resolve_url("login")), describe(response, url)


# Organization B against organization A's objects -------------------------------------------------


@pytest.mark.parametrize(("target", "method", "actor"), cases(OBJECT_TARGETS, METHODS, OUTSIDERS))
def test_another_organizations_object_answers_404(tenants, target, method, actor):
    url = target.url(tenants.a.objects)

    response, writes = exchange(tenants, actor, method, target, url)

    assert_no_leak(tenants, response, url, actor)
    if target.is_api or actor.has_session:
        assert response.status_code in (404, 405), describe(response, url)
    else:
        assert sent_to_sign_in(response), describe(response, url)
    assert_a_unchanged(tenants, writes, f"{method} {url} as {actor}")


@pytest.mark.parametrize(("target", "method", "actor"), cases(TARGETS, WRITE_METHODS, OUTSIDERS))
def test_organization_b_writes_never_reach_organization_a(tenants, target, method, actor):
    """On B's own objects and collections, with A's ids in the body wherever an id could go."""
    url = target.url(tenants.b.objects)

    response, writes = exchange(tenants, actor, method, target, url)

    assert_no_leak(tenants, response, url, actor)
    assert_a_unchanged(tenants, writes, f"{method} {url} as {actor}")
    links = cross_organization_links() if writes else []
    assert not links, f"{method} {url} as {actor} linked organization B's data to A's: {links}"
    if actor.has_session:
        # Whatever the write was, the session still works for B alone (A's id in the body included).
        chosen = SessionStore(tenants.b.sessions[actor.role]).get(SESSION_ORGANIZATION_KEY)
        assert chosen in (None, tenants.b.organization.pk), f"{method} {url} moved B's session to organization {chosen}"


@pytest.mark.parametrize(
    ("target", "actor"),
    [
        pytest.param(target, actor, id=f"GET {target.id} as {actor}")
        for target in COLLECTION_TARGETS
        for actor in OUTSIDERS
    ],
)
def test_organization_b_reads_show_nothing_of_organization_a_and_do_not_move_when_it_grows(tenants, target, actor):
    """Lists, counts, totals, searches and exports, read plain, searched for A's name and tax ID, and as files."""
    url = target.url(tenants.b.objects)
    client = actor.client(tenants)

    def read_all() -> dict[str, object]:
        return {
            name: call(tenants, actor, "GET", target, url, client=client, query=query)
            for name, query in READ_QUERIES.items()
        }

    before = read_all()
    tenant_grow(tenants.a)
    after = read_all()

    for name, query in READ_QUERIES.items():
        shown = f"{url}?{urlencode(query)}"
        assert_no_leak(tenants, before[name], shown, actor)
        assert_no_leak(tenants, after[name], shown, actor)
        assert after[name].status_code == before[name].status_code, shown
        assert comparable(response_text(after[name])) == comparable(response_text(before[name])), (
            f"{shown} as {actor} changed when organization A got more customers, transactions and lookups: "
            "a count, total or list includes A's rows"
        )


VOLATILE = [
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"),  # timestamps
    re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b"),  # times of day ("generated at 15:34")
    re.compile(r"\d{8}(-\d{4})?(?=\.(xlsx|csv|pdf)\b)"),  # date and minute in file names ("-20261122-0015.xlsx")
    re.compile(r"req_[0-9a-zA-Z]+"),  # request ids
    re.compile(r"[0-9a-zA-Z]{64}"),  # masked CSRF tokens
    re.compile(r"nonce\W{1,4}[\w+/=-]{16,}", re.IGNORECASE),  # script nonces of the content security policy
    re.compile(r'name="form_token" value="[\w-]+"'),  # the API key form's one-time token
    re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),  # request and job UUIDs
]


def comparable(text: str) -> str:
    for pattern in VOLATILE:
        text = pattern.sub("…", text)
    return text


# Read-only callers against every write ----------------------------------------------------------


@pytest.mark.parametrize(("target", "method", "actor"), cases(TARGETS, WRITE_METHODS, READ_ONLY))
def test_read_only_callers_are_refused_every_write(tenants, target, method, actor):
    """403, or 405 where the route has no such method; nothing of A's changes either way.

    A page that only reads may answer any method as it answers GET: it writes nothing, so there
    is nothing to refuse (the walk checks it wrote nothing and gave the GET answer).
    """
    url = target.url(tenants.a.objects)

    response, writes = exchange(tenants, actor, method, target, url)

    assert_a_unchanged(tenants, writes, f"{method} {url} as {actor}")
    if target.route.label in NOT_ORGANIZATION_WRITES:
        return
    if response.status_code < 400 and not writes and actor.has_session:
        read = call(tenants, actor, "GET", target, url)
        answered = (response.status_code, response.get("Location"))
        assert answered == (read.status_code, read.get("Location")), f"{method} {url}: {describe(response, url)}"
        return
    if target.is_api or actor.has_session:
        assert response.status_code in (403, 405), describe(response, url)
    else:
        assert sent_to_sign_in(response), describe(response, url)


# What organization B is told about its own totals -------------------------------------------------


def test_organization_b_counts_and_totals_are_its_own(tenants):
    client = B_WRITE_KEY.client(tenants)

    summary = client.get("/api/v1/customers/summary").json()["data"]
    listing = client.get("/api/v1/customers").json()
    search = client.get("/api/v1/customers/search", {"q": ZIRCON.customer[:5]}).json()
    ledger = client.get("/api/v1/transactions").json()

    b = tenants.b.organization
    assert Customer.objects.filter(organization=b).count() == 2
    assert (summary["customer_count"], summary["archived_customers"], summary["unarchived_customers"]) == (2, 1, 1)
    assert summary["total_balance"] == float(BAOBAB.balance)
    assert summary["total_deposits"] == float(BAOBAB.deposit_amount)
    assert listing["meta"]["total"] == 2
    assert {row["name"] for row in listing["data"]} == {BAOBAB.customer, BAOBAB.second_customer}
    assert search["meta"]["count"] == 0 and search["data"] == []
    assert ledger["meta"]["total"] == Transaction.objects.filter(organization=b).count() == 3
