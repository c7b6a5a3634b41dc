"""Every route of the project, read from Django's URL resolver, with its kwargs filled by real objects.

A route is walked as it is registered at run time, so a new endpoint is exercised without
being listed here. What has to be listed is how to fill its URL: each kwarg names an object
(OBJECT_KWARGS, or SEGMENT_OBJECTS for a bare ``pk`` after ``/categories/``) or takes one of a
fixed set of values the view keeps in a dict (``<slug:kind>`` → ``CONTACT_KINDS``). A kwarg
that none of these explains makes the route a failing case, telling the maintainer what to add.
"""

import itertools
import re
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import UUIDConverter
from django.utils.regex_helper import normalize

# Routes that hold no organization's data, by name (or, unnamed, by view). Nothing else is skipped.
PUBLIC_ROUTES = {
    "healthz": "the load balancer's probe: the same answer for everyone, no organization data",
    "readyz": "the load balancer's probe: the same answer for everyone, no organization data",
    "login": "the sign-in page is public by design",
    "logout": "ends the caller's own session and nothing else",
    "api:schema": "the OpenAPI description of the endpoints, the same for every caller",
    "api:docs": "the interactive page drawn from that description",
    "core.api.routing.api_not_found": "the catch-all that answers 404 to any path no endpoint claims",
}
# Django's admin is walked separately, model admin by model admin (test_admin_isolation.py): its
# URLs take an app label and an object id of any registered model rather than named kwargs.
SEPARATELY_WALKED_NAMESPACES = {"admin": "test_admin_isolation.py"}

# A kwarg that always names the same kind of object → the key of that object in tenants.Tenant.objects.
# A tuple: every one of these objects is tried (a job route serves imports and exports alike).
OBJECT_KWARGS: dict[str, str | tuple[str, ...]] = {
    "customer_id": "customer",
    "customer_pk": "customer",
    "entity_id": "billing_entity",
    "billing_entity_id": "billing_entity",
    "email_id": "email",
    "phone_id": "phone",
    "bank_account_id": "bank_account",
    "transaction_id": "transaction",
    "branch_id": "branch",
    "category_id": "category",
    "group_id": "group",
    "finance_code_id": "finance_code",
    "origin_id": "origin",
    "payment_terms_id": "payment_terms",
    "job_id": ("import_job", "export_job"),
    "import_job_id": "import_job",
    "export_job_id": "export_job",
    "api_key_id": "api_key",
    "key_id": "api_key",
    "membership_id": "membership",
    "member_id": "membership",
    "user_id": "user",
}
# Kwargs that only say "an id": the object is the one the path segment before them names.
GENERIC_ID_KWARGS = frozenset({"pk", "id", "object_id", "item_id", "lookup_id", "contact_id"})
SEGMENT_OBJECTS: dict[str, str | tuple[str, ...]] = {
    "customers": "customer",
    "emails": "email",
    "phones": "phone",
    "bank-accounts": "bank_account",
    "billing-entities": "billing_entity",
    "transactions": "transaction",
    "categories": "category",
    "groups": "group",
    "finance-codes": "finance_code",
    "origins": "origin",
    "payment-terms": "payment_terms",
    "branches": "branch",
    "jobs": ("import_job", "export_job"),
    "imports": "import_job",
    "exports": "export_job",
    "api-keys": "api_key",
    "keys": "api_key",
    "members": "membership",
    "memberships": "membership",
    "users": "user",
}
# Slug kwargs whose values a view keeps in a dict of another name than *_<KWARG>S.
SLUG_VALUE_OVERRIDES: dict[tuple[str, str], tuple[str, ...]] = {}

UNMAPPED_HINT = (
    "add it to OBJECT_KWARGS (a kwarg that names one kind of object), to SEGMENT_OBJECTS (a bare id after "
    "a path segment), or keep its slug values in a dict named *_{upper}S in the view's module "
    "(or SLUG_VALUE_OVERRIDES) in core/tests/reliability/routes.py"
)


@dataclass(frozen=True)
class Route:
    name: str | None
    display: str
    callback: Callable
    kwargs: tuple[str, ...]
    uuid_kwargs: frozenset[str]
    namespaces: tuple[str, ...] = ()
    patterns: tuple[Any, ...] = ()  # the pattern of each include level, outermost first
    positional: int = 0  # unnamed groups, filled in order (simple_history's admin history routes)

    @property
    def label(self) -> str:
        return self.name or self.view_path

    @property
    def view_path(self) -> str:
        view = getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None) or self.callback
        return f"{view.__module__}.{view.__qualname__}"

    @property
    def view_module(self) -> str:
        view = getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None) or self.callback
        return view.__module__

    @property
    def is_api(self) -> bool:
        return self.display.startswith("/api/")


def _display(patterns: list[Any]) -> str:
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", "".join(str(pattern) for pattern in patterns))
    for token in ("^", "$", "/?", "\\"):
        text = text.replace(token, "")
    return "/" + text


def _walk(entries, *, chain: list[Any], namespaces: list[str]) -> Iterator[Route]:
    for entry in entries:
        here = [*chain, entry.pattern]
        if isinstance(entry, URLResolver):
            spaces = [*namespaces, entry.namespace] if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, chain=here, namespaces=spaces)
        elif isinstance(entry, URLPattern):
            kwargs = [name for pattern in here for name in _group_names(pattern)]
            uuid_kwargs = {
                name
                for pattern in here
                for name, converter in getattr(pattern, "converters", {}).items()
                if isinstance(converter, UUIDConverter)
            }
            yield Route(
                name=":".join([*namespaces, entry.name]) if entry.name else None,
                display=_display(here),
                callback=entry.callback,
                kwargs=tuple(kwargs),
                uuid_kwargs=frozenset(uuid_kwargs),
                namespaces=tuple(namespaces),
                patterns=tuple(here),
                positional=sum(pattern.regex.groups - len(pattern.regex.groupindex) for pattern in here),
            )


def _group_names(pattern) -> list[str]:
    groups = pattern.regex.groupindex
    return sorted(groups, key=groups.get)


def project_routes() -> list[Route]:
    """Every URL pattern reachable from ROOT_URLCONF, includes expanded."""
    return list(_walk(get_resolver().url_patterns, chain=[], namespaces=[]))


def is_walked(route: Route) -> bool:
    if any(namespace in SEPARATELY_WALKED_NAMESPACES for namespace in route.namespaces):
        return False
    return route.label not in PUBLIC_ROUTES


# Filling a route's kwargs ------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One concrete URL of a route: its slug values chosen, each object kwarg tied to an object key."""

    route: Route
    slugs: Mapping[str, str] = field(default_factory=dict)
    objects: Mapping[str, str] = field(default_factory=dict)
    problem: str | None = None
    # Object kwargs that could name more than one kind of object: the test id says which one this is.
    ambiguous: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        chosen = [f"{name}={value}" for name, value in self.slugs.items()]
        chosen += [f"{name}={self.objects[name]}" for name in self.ambiguous]
        return self.route.label + (f"[{','.join(chosen)}]" if chosen else "")

    @property
    def names_an_object(self) -> bool:
        return bool(self.objects) or self.problem is not None

    @property
    def is_api(self) -> bool:
        return self.route.is_api

    def url(self, objects: Mapping[str, Any]) -> str:
        if self.problem:
            raise AssertionError(self.problem)
        kwargs: dict[str, Any] = dict(self.slugs)
        for name, key in self.objects.items():
            kwargs[name] = objects[key].pk
        return route_url(self.route, kwargs)


def route_url(route: Route, kwargs: Mapping[str, Any], args: tuple[Any, ...] = ()) -> str:
    """The path of ``route`` for these values: reversed by name, else built from its patterns as reverse does."""
    if route.name and not args:
        return reverse(route.name, kwargs=kwargs)
    source = "".join(
        pattern.regex.pattern.removeprefix("^").removesuffix("$").removesuffix(r"\Z") for pattern in route.patterns
    )
    template, _ = normalize(source)[0]
    values = {name: quote(str(value)) for name, value in kwargs.items()}
    values |= {f"_{index}": quote(str(value)) for index, value in enumerate(args)}
    return "/" + template % values


def slug_values(route: Route, kwarg: str) -> tuple[str, ...] | None:
    """The values the view accepts for ``kwarg``, read from the dict it keeps them in."""
    override = SLUG_VALUE_OVERRIDES.get((route.label, kwarg))
    if override is not None:
        return override
    module = sys.modules.get(route.view_module)
    if module is None:
        return None
    suffix = f"{kwarg.upper()}S"
    values: list[str] = []
    for name, value in vars(module).items():
        if (name == suffix or name.endswith(f"_{suffix}")) and isinstance(value, Mapping):
            values.extend(str(key) for key in value)
    return tuple(dict.fromkeys(values)) or None


def _sentinel(route: Route, kwarg: str, index: int) -> str:
    if kwarg in route.uuid_kwargs:
        return str(uuid.UUID(int=0x5E17_0000 + index))
    return str(987_650_000 + index)


def _as_options(route: Route, value: str | tuple[str, ...]) -> tuple[str, ...]:
    """The object keys a kwarg may name here; several are narrowed to those the path mentions.

    ``job_id`` names an import or an export job; under /import/ it is the import job.
    """
    if not isinstance(value, tuple):
        return (value,)
    mentioned = tuple(key for key in value if key.split("_")[0] in route.display)
    return mentioned or value


def route_targets(route: Route) -> list[Target]:
    """Every concrete URL of ``route``: one per slug value and per object a kwarg may name."""
    if route.positional:
        problem = f"{route.display} ({route.label}) has unnamed groups; name them so the walk can fill them"
        return [Target(route=route, problem=problem)]
    slug_kwargs = [name for name in route.kwargs if name not in OBJECT_KWARGS and name not in GENERIC_ID_KWARGS]
    slug_choices: dict[str, tuple[str, ...]] = {}
    for name in slug_kwargs:
        values = slug_values(route, name)
        if values is None:
            return [
                Target(
                    route=route,
                    problem=(
                        f"{route.display} ({route.label}): no object or values known for the URL kwarg "
                        f"'{name}'; {UNMAPPED_HINT.format(upper=name.upper())}"
                    ),
                )
            ]
        slug_choices[name] = values

    targets = []
    for combination in itertools.product(*slug_choices.values()):
        slugs = dict(zip(slug_choices, combination, strict=True))
        object_options, problem = _object_options(route, slugs)
        if problem:
            targets.append(Target(route=route, slugs=slugs, problem=problem))
            continue
        for chosen in itertools.product(*object_options.values()):
            objects = dict(zip(object_options, chosen, strict=True))
            ambiguous = tuple(name for name, options in object_options.items() if len(options) > 1)
            targets.append(Target(route=route, slugs=slugs, objects=objects, ambiguous=ambiguous))
    return targets


def _object_options(route: Route, slugs: Mapping[str, str]) -> tuple[dict[str, tuple[str, ...]], str | None]:
    object_kwargs = [name for name in route.kwargs if name not in slugs]
    if not object_kwargs:
        return {}, None
    sentinels = {name: _sentinel(route, name, index) for index, name in enumerate(object_kwargs)}
    try:
        segments = route_url(route, {**slugs, **sentinels}).strip("/").split("/")
    except NoReverseMatch:
        return {}, f"{route.display} ({route.label}): its kwargs {object_kwargs} take neither an integer nor a UUID"
    options: dict[str, tuple[str, ...]] = {}
    for name in object_kwargs:
        if name in OBJECT_KWARGS:
            options[name] = _as_options(route, OBJECT_KWARGS[name])
            continue
        position = segments.index(sentinels[name])
        before = segments[position - 1].lower().replace("_", "-") if position else ""
        if before not in SEGMENT_OBJECTS:
            return {}, (
                f"{route.display} ({route.label}): the URL kwarg '{name}' follows '/{before}/', which names no "
                f"known kind of object; add '{before}' to SEGMENT_OBJECTS in core/tests/reliability/routes.py"
            )
        options[name] = _as_options(route, SEGMENT_OBJECTS[before])
    return options, None


def walked_targets() -> list[Target]:
    return [target for route in project_routes() if is_walked(route) for target in route_targets(route)]
