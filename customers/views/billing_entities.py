"""A customer's billing entities, added, made default, deactivated and reactivated inline."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Role
from billing import services
from billing.selectors import billing_entity_get, billing_entity_list
from core.web import HANDLED_ERRORS, apply_errors, htmx_or_redirect, organization_required
from customers.forms import BillingEntityForm
from customers.models import Customer
from customers.selectors import customer_get

PANEL = "customers/partials/billing_panel.html"


def _panel_context(*, customer: Customer, form=None) -> dict:
    return {"customer": customer, "billing_entities": billing_entity_list(customer=customer), "form": form}


def _done(request: HttpRequest, *, customer: Customer) -> HttpResponse:
    to = reverse("customers:detail", kwargs={"customer_id": customer.pk}) + "#billing"
    return htmx_or_redirect(request, part=PANEL, context=_panel_context(customer=customer), to=to)


@organization_required
def billing_panel(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The panel as it stands (what Cancel shows)."""
    customer = customer_get(organization=request.organization, customer_id=customer_id)
    return _done(request, customer=customer)


@organization_required(role=Role.CLERK)
def billing_entity_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_get(organization=request.organization, customer_id=customer_id)
    form = BillingEntityForm(request.POST if request.method == "POST" else None, prefix="billing")
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        # Unticked means "let the service decide": the first active entity becomes the default.
        is_default = values.pop("is_default") or None
        try:
            entity = services.billing_entity_create(
                customer=customer, actor=request.user, is_default=is_default, **values
            )
        except HANDLED_ERRORS as exc:
            apply_errors(error=exc, form=form)
        else:
            messages.success(request, f"Billing entity {entity.legal_name} added.")
            return _done(request, customer=customer)
    template = PANEL if request.htmx else "customers/billing_page.html"
    return render(request, template, _panel_context(customer=customer, form=form))


def _entity_action(request: HttpRequest, *, customer_id: int, entity_id: int, action: str) -> HttpResponse:
    customer = customer_get(organization=request.organization, customer_id=customer_id)
    entity = billing_entity_get(customer=customer, entity_id=entity_id)
    try:
        if action == "make_default":
            services.billing_entity_make_default(entity=entity, actor=request.user)
            done = f"{entity.legal_name} is now the default billing entity."
        elif action == "deactivate":
            services.billing_entity_deactivate(entity=entity, actor=request.user)
            done = f"{entity.legal_name} deactivated; it is no longer offered on invoices."
        else:
            services.billing_entity_update(entity=entity, actor=request.user, is_active=True)
            done = f"{entity.legal_name} reactivated."
    except HANDLED_ERRORS as exc:
        apply_errors(error=exc, request=request)
    else:
        messages.success(request, done)
    return _done(request, customer=customer)


@require_POST
@organization_required(role=Role.CLERK)
def billing_entity_make_default(request: HttpRequest, customer_id: int, entity_id: int) -> HttpResponse:
    return _entity_action(request, customer_id=customer_id, entity_id=entity_id, action="make_default")


@require_POST
@organization_required(role=Role.CLERK)
def billing_entity_deactivate(request: HttpRequest, customer_id: int, entity_id: int) -> HttpResponse:
    return _entity_action(request, customer_id=customer_id, entity_id=entity_id, action="deactivate")


@require_POST
@organization_required(role=Role.CLERK)
def billing_entity_activate(request: HttpRequest, customer_id: int, entity_id: int) -> HttpResponse:
    return _entity_action(request, customer_id=customer_id, entity_id=entity_id, action="activate")
