"""Django admin, walked route by route from the URL resolver, against another organization's rows.

Every model admin's pages (list, add, change, delete, history, its extra pages and actions) and
the site's own (index, app lists, autocomplete, view on site) are asked for by organization B's
staff, with organization A's rows in the URL and the body: A's rows are never shown, never
changed, never linked to. Organization A's viewer is refused every change. A model admin
registered later is walked the same way.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client
from django.urls import reverse

from core.admin import organization_path_for

from .routes import Route, project_routes, route_url
from .tenants import (
    Tenants,
    assert_a_unchanged,
    cross_organization_links,
    leaks_in,
    organization_writes,
    response_text,
    tenants_fixture,  # noqa: F401  (the module-scoped fixture)
)

pytestmark = pytest.mark.django_db

# Admin routes that hold no organization's data, by name (or, unnamed, by view).
NOT_ORGANIZATION_DATA = {
    "admin:login": "the sign-in page is public by design",
    "admin:logout": "ends the caller's own session",
    "admin:password_change": "changes the caller's own password",
    "admin:password_change_done": "a confirmation with no data",
    "admin:jsi18n": "the JavaScript translation catalog, the same for everyone",
    "django.contrib.admin.sites.AdminSite.catch_all_view": "sends unknown admin paths to sign-in or a 404",
}


# The kwargs an admin route names its model's row by (the user admin's password page says ``id``).
ROW_KWARGS = frozenset({"object_id", "id"})


@dataclass(frozen=True)
class AdminTarget:
    route: Route
    model: type[models.Model] | None = None
    # Besides A's row of ``model``, an admin URL may hold an app label, or a content type and a row.
    app_label: str | None = None
    content_type_of: type[models.Model] | None = None
    action: str | None = None
    query: tuple[tuple[str, str], ...] = ()
    problem: str | None = None
    variant: str = ""

    @property
    def id(self) -> str:
        name = self.route.name or f"{self.route.display} ({self.route.view_path.rsplit('.', 1)[-1]})"
        return name + (f"[{self.variant}]" if self.variant else "")

    @property
    def names_a_row(self) -> bool:
        return bool(self.route.kwargs or self.route.positional) and self.app_label is None

    def url(self, tenants: Tenants, *, missing: bool = False) -> str:
        """The URL with A's row in it, or (``missing``) with an id no row has."""
        if self.problem:
            raise AssertionError(self.problem)
        kwargs: dict[str, Any] = {}
        args: tuple[Any, ...] = ()
        if self.app_label is not None:
            kwargs["app_label"] = self.app_label
        elif self.content_type_of is not None:
            row = organization_row(self.content_type_of, tenants)
            row_id = missing_id(row) if missing else row.pk
            kwargs = {"content_type_id": ContentType.objects.get_for_model(row).pk, "object_id": row_id}
        elif self.names_a_row:
            row = organization_row(self.model, tenants)
            row_id = quote(missing_id(row) if missing else row.pk)
            if self.route.positional:
                version = row.history.order_by("-history_id").first().history_id
                args = (row_id, MISSING_INTEGER if missing else version)
            else:
                kwargs = dict.fromkeys(self.route.kwargs, row_id)
        url = route_url(self.route, kwargs, args)
        return f"{url}?{urlencode(self.query)}" if self.query else url

    def body(self, tenants: Tenants) -> dict[str, Any]:
        a = tenants.a.objects
        body: dict[str, Any] = {
            "name": "Isolation Probe",
            "legal_name": "Isolation Probe Ltd",
            "code": "99",
            "organization": tenants.a.organization.pk,
            "customer": a["customer"].pk,
            "branch": a["branch"].pk,
            "category": a["category"].pk,
            "billing_entity": a["billing_entity"].pk,
            "user": tenants.a.users["viewer"].pk,
            "role": "manager",
            "type": "sale",
            "total_amount": "10.00",
            "_save": "Save",
        }
        if self.action is not None:
            row = organization_row(self.model, tenants)
            body |= {"action": self.action, "_selected_action": [row.pk], "index": "0", "post": "yes"}
        return body


MISSING_INTEGER = 987_650_000


def missing_id(row: models.Model) -> Any:
    return uuid.UUID(int=MISSING_INTEGER) if isinstance(row.pk, uuid.UUID) else MISSING_INTEGER


def organization_row(model: type[models.Model], tenants: Tenants) -> models.Model:
    """Organization A's row of ``model``: one of its users, or the first row that belongs to it."""
    if model is get_user_model():
        return tenants.a.users["manager"]
    path = organization_path_for(model)
    return model._base_manager.filter(**{path: tenants.a.organization.pk}).order_by("pk").first()


def holds_organization_rows(model: type[models.Model]) -> bool:
    return model is get_user_model() or organization_path_for(model) is not None


def registered_model_of(route: Route) -> type[models.Model] | None:
    model_admin = getattr(route.callback, "model_admin", None)
    if model_admin is not None:
        return model_admin.model
    for model in admin.site._registry:
        if route.name and route.name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def admin_targets() -> list[AdminTarget]:
    targets: list[AdminTarget] = []
    for route in project_routes():
        if "admin" not in route.namespaces or route.label in NOT_ORGANIZATION_DATA:
            continue
        model = registered_model_of(route)
        if model is not None:
            targets.extend(_model_targets(route, model))
        else:
            targets.extend(_site_targets(route))
    return targets


def _model_targets(route: Route, model: type[models.Model]) -> list[AdminTarget]:
    named_a_row = bool(route.kwargs or route.positional)
    if named_a_row and not holds_organization_rows(model):
        return []  # no organization has a row of this model to reach for (sign-in logs, groups)
    unknown = set(route.kwargs) - ROW_KWARGS
    if unknown:
        return [AdminTarget(route=route, model=model, problem=f"{route.display}: no row known for {sorted(unknown)}")]
    targets = [AdminTarget(route=route, model=model)]
    if route.name and route.name.endswith("_changelist") and holds_organization_rows(model):
        model_admin = admin.site._registry[model]
        actions = [name for name, _ in admin.site.actions] + [
            action if isinstance(action, str) else action.__name__ for action in model_admin.actions or ()
        ]
        targets += [
            AdminTarget(route=route, model=model, action=name, variant=f"action={name}")
            for name in dict.fromkeys(actions)
        ]
    return targets


def _site_targets(route: Route) -> list[AdminTarget]:
    kwargs = set(route.kwargs)
    if kwargs == {"app_label"}:
        labels = sorted({model._meta.app_label for model in admin.site._registry})
        return [AdminTarget(route=route, app_label=label, variant=label) for label in labels]
    if kwargs == {"content_type_id", "object_id"}:
        return [
            AdminTarget(route=route, content_type_of=model, variant=model._meta.label)
            for model in admin.site._registry
            if organization_path_for(model) is not None
        ]
    if route.name == "admin:autocomplete":
        # The drop-downs that search as you type: each asks the related model's admin for rows.
        return [
            AdminTarget(
                route=route,
                query=(
                    ("app_label", model._meta.app_label),
                    ("model_name", model._meta.model_name),
                    ("field_name", field_name),
                    ("term", term),
                ),
                variant=f"{model._meta.label}.{field_name} term={term!r}",
            )
            for model, model_admin in admin.site._registry.items()
            for field_name in model_admin.autocomplete_fields
            for term in ("", "Zeb")
        ] or [AdminTarget(route=route)]
    if kwargs:
        return [AdminTarget(route=route, problem=f"{route.display}: no values known for {sorted(kwargs)}")]
    return [AdminTarget(route=route)]


TARGETS = admin_targets()
ROW_TARGETS = [target for target in TARGETS if target.names_a_row]


# Product defects these cases show, by test function and case id. Strict: once fixed, the case
# fails as "passed unexpectedly" until its line here is removed.
OPEN_DEFECTS: dict[tuple[str, str], str] = {}


def known_defect(test: str, case_id: str) -> list:
    reason = OPEN_DEFECTS.get((test, case_id))
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def cases(targets: Iterable[AdminTarget], methods: Iterable[str], *, test: str) -> list:
    return [
        pytest.param(target, method, id=case_id, marks=known_defect(test, case_id))
        for target in targets
        for method in methods
        for case_id in [f"{method} {target.id}"]
    ]


def request_as(
    tenants: Tenants, tenant: str, role: str, method: str, target: AdminTarget, *, body=None, missing: bool = False
):
    client = Tenants.session_client(getattr(tenants, tenant), role)
    url = target.url(tenants, missing=missing)
    with organization_writes() as writes:
        try:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, body if body is not None else target.body(tenants))
        except Exception as exc:
            pytest.fail(f"{method} {url} raised {exc!r}: a 500")
    return url, response, writes


class FormReader(HTMLParser):
    """The values a browser would send from the largest POST form of a page, as it was shown."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, list[str]]] = []
        self._select: str | None = None
        self._select_values: list[str] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "form":
            self.forms.append({} if (attributes.get("method") or "").lower() == "post" else {"": []})
        if not self.forms or "" in self.forms[-1]:
            return
        values = self.forms[-1]
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            values.setdefault(name, []).append(attributes.get("value") or ("on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select, self._select_values = name, []
        elif tag == "option" and self._select is not None:
            value = attributes.get("value", "")
            if "selected" in attributes:
                values.setdefault(self._select, []).append(value)
            self._select_values.append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            values.setdefault(name, []).append("")

    def handle_data(self, data):
        if self._textarea is not None and self.forms:
            self.forms[-1][self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            values = self.forms[-1]
            if self._select not in values and self._select_values:
                values[self._select] = [self._select_values[0]]
            self._select = None
        elif tag == "textarea":
            self._textarea = None


# Text fields a viewer's edit renames, so a save that goes through changes a row visibly.
RENAMED_FIELDS = frozenset({"name", "legal_name", "description", "notes", "contact_name"})


def shown_form(response) -> dict[str, list[str]] | None:
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return None
    reader = FormReader()
    reader.feed(response.content.decode())
    forms = [form for form in reader.forms if "" not in form]
    return max(forms, key=len) if forms else None


def final_answer(tenants: Tenants, response) -> tuple[int, str | None]:
    """Status and redirect, after the admin's forward from /<app>/<model>/<id>/ to the row's change page."""
    location = response.get("Location")
    if response.status_code in (301, 302) and location != reverse("admin:index"):
        forwarded = Tenants.session_client(tenants.b, "manager").get(location)
        assert not leaks_in(response_text(forwarded), tenants.markers), f"forwarded to {location}"
        return forwarded.status_code, forwarded.get("Location")
    return response.status_code, location


def test_every_admin_route_is_filled():
    problems = [target.problem for target in TARGETS if target.problem]
    assert not problems, "\n".join(problems)


def test_the_walk_reaches_every_registered_model_admin():
    walked = {target.model for target in TARGETS if target.model is not None}
    assert {model for model in admin.site._registry if holds_organization_rows(model)} <= walked
    assert any(target.route.name == "admin:customers_customer_change" for target in ROW_TARGETS)


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(target, id=target.id)
        for target in ROW_TARGETS
        # "View on site" has nowhere to send a model without a page of its own, for anyone.
        if target.content_type_of is None or hasattr(target.content_type_of, "get_absolute_url")
    ],
)
def test_each_admin_url_of_the_walk_names_a_real_row(tenants, target):
    """The control, as a superuser (who sees every row): B's refusals on these URLs are not for a typo."""
    superuser = get_user_model().objects.create_superuser("root", "root@example.com", "unused-password")
    client = Client()
    client.force_login(superuser)
    url = target.url(tenants)

    response = client.get(url)

    # A 403 here is a page closed to everyone (keys are revoked and entries voided, never deleted).
    assert response.status_code in (200, 301, 302, 403), f"{response.status_code} from {url}"
    assert response.get("Location") != reverse("admin:index"), f"{url} answers as for a missing row"


@pytest.mark.parametrize(("target", "method"), cases(TARGETS, ("GET", "POST"), test="outsider"))
def test_organization_b_staff_never_reach_organization_a_in_admin(tenants, target, method):
    url, response, writes = request_as(tenants, "b", "manager", method, target)

    leaks = leaks_in(response_text(response), tenants.markers)
    assert not leaks, f"organization B's staff were shown A's data {leaks} by {method} {url}"
    assert_a_unchanged(tenants, writes, f"{method} {url} by organization B's staff")
    links = cross_organization_links() if writes else []
    assert not links, f"{method} {url} by organization B's staff linked B's data to A's: {links}"
    if target.names_a_row:
        # A's row is answered exactly as a row that does not exist (the admin sends both to its index).
        missing_url, missing, _ = request_as(tenants, "b", "manager", method, target, missing=True)
        answered, expected = final_answer(tenants, response), final_answer(tenants, missing)
        assert answered[0] not in (200, 201), f"{answered[0]} from {method} {url}"
        assert answered == expected, (
            f"{method} {url} answers {answered} where an id that does not exist ({missing_url}) answers {expected}"
        )


@pytest.mark.parametrize(("target", "method"), cases(TARGETS, ("POST",), test="viewer"))
def test_organization_a_viewer_changes_nothing_in_admin(tenants, target, method):
    """The viewer sends back the form the page shows them, renamed (as a browser would), or the probe body."""
    _, page, _ = request_as(tenants, "a", "viewer", "GET", target)
    shown = shown_form(page) if target.action is None else None
    for name in RENAMED_FIELDS & set(shown or ()):
        shown[name] = [f"{value} (edited)" for value in shown[name]]

    url, response, writes = request_as(tenants, "a", "viewer", method, target, body=shown)

    assert_a_unchanged(tenants, writes, f"POST {url} by organization A's viewer")
    if response.status_code in (403, 405) or writes:
        return
    # Pages that only read answer a POST as a GET; a refused action goes back to its list with a message.
    went_back = response.status_code == 302 and target.action is not None
    answered = (response.status_code, response.get("Location"))
    assert went_back or answered == (page.status_code, page.get("Location")), f"{response.status_code} from POST {url}"


def test_an_autocomplete_of_organization_b_offers_none_of_organization_a(tenants):
    """The customer drop-down of the ledger admin, searched for A's customer by name."""
    client = Client()
    client.force_login(tenants.b.users["manager"])

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "transactions", "model_name": "transaction", "field_name": "customer", "term": "Zeb"},
    )

    assert response.status_code == 200
    assert response.json()["results"] == []
