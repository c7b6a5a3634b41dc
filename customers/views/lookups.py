"""The organization's lookup lists: categories, groups, finance codes, origins and payment terms.

One page shows every list with its customer counts. Adding and editing happen inline in a list's
section (htmx), or on a small page holding the same section without JavaScript. Every member
reads them; changing them needs a manager, as in the API.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Role
from billing.models import PaymentTerms
from core.web import HANDLED_ERRORS, apply_errors, htmx_or_redirect, organization_required, panel_or_page
from customers import services
from customers.forms import LookupForm, PaymentTermsForm
from customers.models import Category, ContactOrigin, CustomerGroup, FinanceCode, LookupBase
from customers.selectors import lookup_get, lookup_list

SECTION = "settings/partials/lookup_section.html"


@dataclass(frozen=True)
class LookupKind:
    slug: str
    model: type[LookupBase]
    purpose: str
    form_class: type[forms.Form] = LookupForm
    # The customer list's filter that shows this value's customers, where the list has one.
    list_filter: str = ""

    @property
    def noun(self) -> str:
        return self.model._meta.verbose_name

    @property
    def title(self) -> str:
        return self.model._meta.verbose_name_plural.capitalize()

    @property
    def has_terms(self) -> bool:
        return self.form_class is PaymentTermsForm


# Same slugs as the API's paths, so /lookups/<kind>/ and /api/v1/<kind> name the same list.
LOOKUP_KINDS = {
    kind.slug: kind
    for kind in (
        LookupKind(
            "categories",
            Category,
            "How customers are grouped in lists, filters and the dashboard.",
            list_filter="category_id",
        ),
        LookupKind(
            "groups",
            CustomerGroup,
            "Sets of customers handled together, such as key accounts.",
            list_filter="group_id",
        ),
        LookupKind("finance-codes", FinanceCode, "The ledger grouping an accountant posts a customer under."),
        LookupKind(
            "origins",
            ContactOrigin,
            "Where a customer came from: web form, referral, walk-in, …",
            list_filter="origin_id",
        ),
        LookupKind("payment-terms", PaymentTerms, "When invoices fall due.", form_class=PaymentTermsForm),
    )
}


def _kind(slug: str) -> LookupKind:
    try:
        return LOOKUP_KINDS[slug]
    except KeyError as exc:
        raise Http404("No such list.") from exc


def _section_context(request: HttpRequest, *, kind: LookupKind, form=None, editing=None) -> dict:
    return {
        "kind": kind,
        "items": lookup_list(model=kind.model, organization=request.organization),
        "form": form,
        "editing": editing,
    }


def _answer(request: HttpRequest, context: dict, *, heading: str) -> HttpResponse:
    return panel_or_page(
        request,
        panel=SECTION,
        context=context,
        heading=heading,
        parent_title="Categories & lists",
        parent_url=reverse("lookups"),
    )


def _done(request: HttpRequest, *, kind: LookupKind) -> HttpResponse:
    to = reverse("lookups") + f"#{kind.slug}"
    return htmx_or_redirect(request, part=SECTION, context=_section_context(request, kind=kind), to=to)


@organization_required
def lookups(request: HttpRequest) -> HttpResponse:
    sections = [_section_context(request, kind=kind) for kind in LOOKUP_KINDS.values()]
    return render(request, "settings/lookups.html", {"sections": sections, "kinds": LOOKUP_KINDS.values()})


@organization_required
def lookup_section(request: HttpRequest, kind: str) -> HttpResponse:
    """One list as it stands (what Cancel shows)."""
    return _done(request, kind=_kind(kind))


@organization_required(role=Role.MANAGER)
def lookup_create(request: HttpRequest, kind: str) -> HttpResponse:
    lookup_kind = _kind(kind)
    form = lookup_kind.form_class(request.POST if request.method == "POST" else None, prefix=lookup_kind.slug)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.lookup_create(
                model=lookup_kind.model, organization=request.organization, **form.cleaned_data
            )
        except HANDLED_ERRORS as exc:
            apply_errors(error=exc, form=form)
        else:
            messages.success(request, f"{lookup_kind.noun.capitalize()} {item.name} added.")
            return _done(request, kind=lookup_kind)
    context = _section_context(request, kind=lookup_kind, form=form, editing="new")
    return _answer(request, context, heading=f"New {lookup_kind.noun}")


@organization_required(role=Role.MANAGER)
def lookup_edit(request: HttpRequest, kind: str, item_id: int) -> HttpResponse:
    lookup_kind = _kind(kind)
    item = lookup_get(model=lookup_kind.model, organization=request.organization, item_id=item_id)
    name = item.name
    initial = {field: getattr(item, field) for field in lookup_kind.form_class.base_fields}
    form = lookup_kind.form_class(
        request.POST if request.method == "POST" else None, initial=initial, prefix=lookup_kind.slug
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = services.lookup_update(item=item, **form.cleaned_data)
        except HANDLED_ERRORS as exc:
            apply_errors(error=exc, form=form)
        else:
            messages.success(request, f"{lookup_kind.noun.capitalize()} {item.name} saved.")
            return _done(request, kind=lookup_kind)
    context = _section_context(request, kind=lookup_kind, form=form, editing=item.pk)
    return _answer(request, context, heading=f"Edit {name}")


def _set_archived(request: HttpRequest, *, kind: str, item_id: int, archived: bool) -> HttpResponse:
    lookup_kind = _kind(kind)
    item = lookup_get(model=lookup_kind.model, organization=request.organization, item_id=item_id)
    try:
        services.lookup_archive(item=item, archived=archived)
    except HANDLED_ERRORS as exc:
        apply_errors(error=exc, request=request)
    else:
        if archived:
            done = f"{item.name} archived: its customers keep it, but it is no longer offered."
        else:
            done = f"{item.name} is offered again."
        messages.success(request, done)
    return _done(request, kind=lookup_kind)


@require_POST
@organization_required(role=Role.MANAGER)
def lookup_archive(request: HttpRequest, kind: str, item_id: int) -> HttpResponse:
    return _set_archived(request, kind=kind, item_id=item_id, archived=True)


@require_POST
@organization_required(role=Role.MANAGER)
def lookup_unarchive(request: HttpRequest, kind: str, item_id: int) -> HttpResponse:
    return _set_archived(request, kind=kind, item_id=item_id, archived=False)


@organization_required(role=Role.MANAGER)
def lookup_delete(request: HttpRequest, kind: str, item_id: int) -> HttpResponse:
    """A confirmation page that tells how many customers use the value, then the delete."""
    lookup_kind = _kind(kind)
    item = lookup_get(model=lookup_kind.model, organization=request.organization, item_id=item_id)
    back = reverse("lookups") + f"#{lookup_kind.slug}"
    if request.method == "POST":
        try:
            services.lookup_delete(item=item)
        except HANDLED_ERRORS as exc:
            apply_errors(error=exc, request=request)
        else:
            messages.success(request, f"{lookup_kind.noun.capitalize()} {item.name} deleted.")
        return redirect(back)
    return render(request, "settings/lookup_delete_confirm.html", {"kind": lookup_kind, "item": item, "back": back})
