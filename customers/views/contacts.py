"""A customer's contact emails and phones, added, edited, deleted, locked and unlocked inline.

Every action answers htmx with the refreshed panel and a browser without JavaScript with a
redirect to the customer (or, for a form, a small page holding the same panel).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Role
from core.web import HANDLED_ERRORS, apply_errors, htmx_or_redirect, organization_required
from customers import services
from customers.forms import ContactEmailForm, ContactPhoneForm
from customers.models import Customer
from customers.selectors import (
    contact_email_get,
    contact_email_list,
    contact_phone_get,
    contact_phone_list,
    customer_get,
)

PANEL = "customers/partials/contacts_panel.html"


@dataclass(frozen=True)
class ContactKind:
    slug: str
    noun: str
    title: str
    form_class: type[forms.Form]
    list: Callable
    get: Callable
    create: Callable
    update: Callable
    delete: Callable
    set_locked: Callable
    fields: tuple[str, ...]


CONTACT_KINDS = {
    "emails": ContactKind(
        slug="emails",
        noun="Email",
        title="Emails",
        form_class=ContactEmailForm,
        list=contact_email_list,
        get=lambda customer, contact_id: contact_email_get(customer=customer, email_id=contact_id),
        create=services.contact_email_create,
        update=services.contact_email_update,
        delete=services.contact_email_delete,
        set_locked=services.contact_email_set_locked,
        fields=("email", "contact_name", "role", "use_for_invoicing", "notes"),
    ),
    "phones": ContactKind(
        slug="phones",
        noun="Phone",
        title="Phones",
        form_class=ContactPhoneForm,
        list=contact_phone_list,
        get=lambda customer, contact_id: contact_phone_get(customer=customer, phone_id=contact_id),
        create=services.contact_phone_create,
        update=services.contact_phone_update,
        delete=services.contact_phone_delete,
        set_locked=services.contact_phone_set_locked,
        fields=("number", "extension", "contact_name", "role", "is_whatsapp", "notes"),
    ),
}


def _kind(slug: str) -> ContactKind:
    try:
        return CONTACT_KINDS[slug]
    except KeyError as exc:
        raise Http404("No such contact list.") from exc


def _panel_context(*, customer: Customer, kind: ContactKind, form=None, editing=None) -> dict:
    return {
        "customer": customer,
        "kind": kind,
        "contacts": kind.list(customer=customer),
        "form": form,
        "editing": editing,
    }


def _answer(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    """The panel for htmx; without JavaScript the same panel on a page of its own."""
    template = PANEL if request.htmx else "customers/contact_page.html"
    return render(request, template, context, status=status)


def _done(request: HttpRequest, *, customer: Customer, kind: ContactKind) -> HttpResponse:
    to = reverse("customers:detail", kwargs={"customer_id": customer.pk}) + f"#{kind.slug}"
    return htmx_or_redirect(request, part=PANEL, context=_panel_context(customer=customer, kind=kind), to=to)


@organization_required
def contact_panel(request: HttpRequest, customer_id: int, kind: str) -> HttpResponse:
    """The panel as it stands (what Cancel shows)."""
    contact_kind = _kind(kind)
    customer = customer_get(organization=request.organization, customer_id=customer_id)
    return _done(request, customer=customer, kind=contact_kind)


@organization_required(role=Role.CLERK)
def contact_add(request: HttpRequest, customer_id: int, kind: str) -> HttpResponse:
    contact_kind = _kind(kind)
    customer = customer_get(organization=request.organization, customer_id=customer_id)
    form = contact_kind.form_class(request.POST if request.method == "POST" else None, prefix=contact_kind.slug)
    if request.method == "POST" and form.is_valid():
        try:
            contact = contact_kind.create(customer=customer, actor=request.user, **form.cleaned_data)
        except HANDLED_ERRORS as exc:
            apply_errors(error=exc, form=form)
        else:
            messages.success(request, f"{contact_kind.noun} {contact} added.")
            return _done(request, customer=customer, kind=contact_kind)
    return _answer(request, _panel_context(customer=customer, kind=contact_kind, form=form, editing="new"))


@organization_required(role=Role.CLERK)
def contact_edit(request: HttpRequest, customer_id: int, kind: str, contact_id: int) -> HttpResponse:
    contact_kind = _kind(kind)
    customer = customer_get(organization=request.organization, customer_id=customer_id)
    contact = contact_kind.get(customer, contact_id)
    if contact.is_locked:
        messages.error(request, f"This {contact_kind.noun.lower()} is locked; a manager must unlock it first.")
        return _done(request, customer=customer, kind=contact_kind)
    initial = {name: getattr(contact, name) for name in contact_kind.fields}
    form = contact_kind.form_class(
        request.POST if request.method == "POST" else None, initial=initial, prefix=contact_kind.slug
    )
    if request.method == "POST" and form.is_valid():
        try:
            contact = contact_kind.update(
                contact=contact, actor=request.user, expected_updated_at=form.expected_version(), **form.cleaned_data
            )
        except HANDLED_ERRORS as exc:
            apply_errors(error=exc, form=form)
        else:
            messages.success(request, f"{contact_kind.noun} {contact} saved.")
            return _done(request, customer=customer, kind=contact_kind)
    context = _panel_context(customer=customer, kind=contact_kind, form=form, editing=contact.pk)
    # The version the user is editing: the one first shown, kept across a re-display with errors.
    context["version"] = request.POST.get(form.add_prefix("updated_at")) or contact.updated_at.isoformat()
    return _answer(request, context)


@require_POST
@organization_required(role=Role.CLERK)
def contact_delete(request: HttpRequest, customer_id: int, kind: str, contact_id: int) -> HttpResponse:
    contact_kind = _kind(kind)
    customer = customer_get(organization=request.organization, customer_id=customer_id)
    contact = contact_kind.get(customer, contact_id)
    try:
        contact_kind.delete(contact=contact, actor=request.user)
    except HANDLED_ERRORS as exc:
        apply_errors(error=exc, request=request)
    else:
        messages.success(request, f"{contact_kind.noun} {contact} removed.")
    return _done(request, customer=customer, kind=contact_kind)


def _set_locked(request: HttpRequest, *, customer_id: int, kind: str, contact_id: int, locked: bool) -> HttpResponse:
    contact_kind = _kind(kind)
    customer = customer_get(organization=request.organization, customer_id=customer_id)
    contact = contact_kind.get(customer, contact_id)
    try:
        contact_kind.set_locked(contact=contact, locked=locked, actor=request.user)
    except HANDLED_ERRORS as exc:
        apply_errors(error=exc, request=request)
    else:
        state = "locked" if locked else "unlocked"
        messages.success(request, f"{contact_kind.noun} {contact} {state}.")
    return _done(request, customer=customer, kind=contact_kind)


@require_POST
@organization_required(role=Role.MANAGER)
def contact_lock(request: HttpRequest, customer_id: int, kind: str, contact_id: int) -> HttpResponse:
    return _set_locked(request, customer_id=customer_id, kind=kind, contact_id=contact_id, locked=True)


@require_POST
@organization_required(role=Role.MANAGER)
def contact_unlock(request: HttpRequest, customer_id: int, kind: str, contact_id: int) -> HttpResponse:
    return _set_locked(request, customer_id=customer_id, kind=kind, contact_id=contact_id, locked=False)
