"""Create and edit a customer, with its bank accounts, through the customer services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.models import Role
from core.exceptions import NotFound
from core.web import HANDLED_ERRORS, apply_errors, organization_required
from customers import services
from customers.forms import BankAccountFormSet, CustomerForm, bank_account_initial
from customers.models import Customer
from customers.selectors import customer_get_detailed
from customers.validators import normalize_phone, normalize_tax_id

# Widely used codes offered as suggestions in the country box; any ISO code may be typed.
COUNTRY_SUGGESTIONS = (
    ("KE", "Kenya"),
    ("UG", "Uganda"),
    ("TZ", "Tanzania"),
    ("RW", "Rwanda"),
    ("ET", "Ethiopia"),
    ("GH", "Ghana"),
    ("NG", "Nigeria"),
    ("ZA", "South Africa"),
    ("CO", "Colombia"),
    ("DK", "Denmark"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("NL", "Netherlands"),
    ("GB", "United Kingdom"),
    ("US", "United States"),
    ("AE", "United Arab Emirates"),
    ("IN", "India"),
    ("CN", "China"),
)


def _save(request: HttpRequest, *, form: CustomerForm, formset, customer: Customer | None) -> Customer | None:
    """Write the customer and its bank account rows in one transaction; on a refusal, show it and write nothing."""
    target = form
    try:
        with transaction.atomic():
            fields = form.service_fields()
            if customer is None:
                customer = services.customer_create(organization=request.organization, actor=request.user, **fields)
            elif fields:
                # The service re-checks the version under the row's lock, so two editors of one
                # version cannot both save.
                customer = services.customer_update(
                    customer=customer, actor=request.user, expected_updated_at=form.opened_on(), **fields
                )
            accounts = {account.pk: account for account in customer.bank_accounts.all()}
            for row_form, action, values in formset.service_rows():
                target = row_form
                account = accounts.get(values.pop("id", None))
                if action == "create":
                    services.bank_account_create(customer=customer, actor=request.user, **values)
                elif account is None:
                    raise NotFound("This bank account no longer exists; reload the page.")
                elif action == "update":
                    services.bank_account_update(account=account, actor=request.user, **values)
                else:
                    services.bank_account_delete(account=account, actor=request.user)
    except HANDLED_ERRORS as exc:
        apply_errors(error=exc, form=target)
        return None
    return customer


def _render_form(request: HttpRequest, *, form, formset, customer: Customer | None, status: int = 200) -> HttpResponse:
    context = {"form": form, "formset": formset, "customer": customer, "countries": COUNTRY_SUGGESTIONS}
    return render(request, "customers/form.html", context, status=status)


@organization_required(role=Role.CLERK)
def customer_create(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    if request.method == "POST":
        form = CustomerForm(request.POST, organization=organization)
        formset = BankAccountFormSet(request.POST, prefix="bank")
        if form.is_valid() and formset.is_valid():
            customer = _save(request, form=form, formset=formset, customer=None)
            if customer is not None:
                messages.success(request, f"Customer {customer.name} ({customer.customer_no}) created.")
                return redirect("customers:detail", customer_id=customer.pk)
        return _render_form(request, form=form, formset=formset, customer=None)
    form = CustomerForm(organization=organization)
    return _render_form(request, form=form, formset=BankAccountFormSet(prefix="bank"), customer=None)


@organization_required(role=Role.CLERK)
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    organization = request.organization
    customer = customer_get_detailed(organization=organization, customer_id=customer_id)
    initial_accounts = bank_account_initial(customer)
    if request.method == "POST":
        form = CustomerForm(request.POST, organization=organization, customer=customer)
        formset = BankAccountFormSet(request.POST, prefix="bank", initial=initial_accounts)
        if form.is_valid() and formset.is_valid():
            saved = _save(request, form=form, formset=formset, customer=customer)
            if saved is not None:
                messages.success(request, f"Customer {saved.name} saved.")
                return redirect("customers:detail", customer_id=saved.pk)
        return _render_form(request, form=form, formset=formset, customer=customer)
    form = CustomerForm(organization=organization, customer=customer)
    formset = BankAccountFormSet(prefix="bank", initial=initial_accounts)
    return _render_form(request, form=form, formset=formset, customer=customer)


# The fields the live check can judge: field name → its kind.
LIVE_FIELDS = {"tax_id": "tax_id", "phone": "phone", "contact_phone": "phone", "number": "phone"}


@require_GET
@organization_required
def field_validate(request: HttpRequest) -> HttpResponse:
    """Judge one tax ID or phone as the services will, while the user is still typing."""
    field = request.GET.get("field", "")
    if field not in LIVE_FIELDS:
        return HttpResponse(status=400)
    # Inline forms carry a prefix ("phones-number"); the value is the one parameter named after the field.
    names = [name for name in request.GET if name == field or name.endswith(f"-{field}")]
    value = request.GET.get(names[0], "").strip() if names else ""
    country = (request.GET.get("country", "") or request.organization.country).strip().upper()
    context = {"error": "", "stored": ""}
    if value:
        try:
            if LIVE_FIELDS[field] == "tax_id":
                stored = normalize_tax_id(value, country)
            else:
                stored = normalize_phone(value, country)
            context["stored"] = stored if stored != value else ""
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
    return render(request, "customers/partials/field_validation.html", context)
