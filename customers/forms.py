"""Forms of the staff pages. They parse what a person typed; the services decide what is valid."""

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.dateparse import parse_datetime

from accounts.models import Organization
from accounts.selectors import branch_list
from billing.models import PaymentTerms, PaymentTermsType
from transactions.models import TransactionType

from .filters import STATUS_CHOICES
from .importing.reports import XLSX_CONTENT_TYPE
from .importing.runner import ImportOptions
from .models import Category, ContactOrigin, Customer, CustomerGroup, CustomerType, FinanceCode, VatZone
from .selectors import lookup_list
from .services.imports import ImportMode

STALE_EDIT_MESSAGE = (
    "Someone changed this customer after you opened the form, so your changes were not saved. "
    "Reload the page to see the latest version, then make your changes again."
)
VALIDATE_URL = reverse_lazy("customers:validate")


def live_validation(field: str) -> dict[str, str]:
    """Widget attributes that ask the server to judge ``field`` while the user types (see views.validation)."""
    return {
        "hx-get": VALIDATE_URL,
        "hx-trigger": "input changed delay:400ms, blur",
        "hx-target": "next .field-feedback",
        # Into the message box, whatever swap a surrounding form asks for: replaced whole, the box
        # would be gone and the next answer would land beside another field.
        "hx-swap": "innerHTML",
        # The country goes along: it decides which rule a tax ID or phone is judged by.
        "hx-include": "[name='country']",
        "hx-vals": f'{{"field": "{field}"}}',
        "hx-sync": "this:replace",
        "autocomplete": "off",
    }


def _blank_choice(label: str) -> list[tuple[str, str]]:
    return [("", label)]


class CustomerFilterForm(forms.Form):
    """The list's filters under the API's parameter names, so a list URL and an export URL match."""

    search = forms.CharField(
        required=False,
        label="Search customers",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Name, number, tax ID, phone, email or invoice no.",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )
    branch_id = forms.ChoiceField(required=False, label="Branch")
    status = forms.ChoiceField(required=False, choices=_blank_choice("Any status") + STATUS_CHOICES)
    type = forms.ChoiceField(required=False, choices=_blank_choice("Any type") + CustomerType.choices)
    category_id = forms.ChoiceField(required=False, label="Category")
    group_id = forms.ChoiceField(required=False, label="Group")
    origin_id = forms.ChoiceField(required=False, label="Origin")
    created_from = forms.DateField(required=False, label="Created from", widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(required=False, label="Created to", widget=forms.DateInput(attrs={"type": "date"}))
    ordering = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[
            ("", "Best match first"),
            ("name", "Name A–Z"),
            ("-name", "Name Z–A"),
            ("customer_no", "Customer number"),
            ("-created_at", "Newest first"),
            ("created_at", "Oldest first"),
            ("-updated_at", "Recently changed"),
            ("-balance", "Largest balance"),
            ("balance", "Smallest balance"),
        ],
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch_id"].choices = _blank_choice("All branches") + [
            (branch.code, f"{branch.code} · {branch.name}") for branch in branch_list(organization=organization)
        ]
        for name, model, label in (
            ("category_id", Category, "Any category"),
            ("group_id", CustomerGroup, "Any group"),
            ("origin_id", ContactOrigin, "Any origin"),
        ):
            items = lookup_list(model=model, organization=organization)
            self.fields[name].choices = _blank_choice(label) + [
                (str(item.pk), f"{item.name} ({item.customer_count})") for item in items
            ]

    @property
    def advanced_filters_used(self) -> bool:
        names = ("branch_id", "type", "category_id", "group_id", "origin_id", "created_from", "created_to")
        return any(self.data.get(name) for name in names)


class LookupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} (archived)" if getattr(obj, "is_archived", False) else obj.name


class BranchChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} · {obj.name}"


class MetadataField(forms.CharField):
    """``key = value`` lines ⇄ a JSON object of strings (the service checks the limits)."""

    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{key} = {item}" for key, item in value.items())
        return value

    def to_python(self, value) -> dict[str, str]:
        text = super().to_python(value)
        metadata: dict[str, str] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            key, separator, item = line.partition("=")
            if not separator or not key.strip():
                raise forms.ValidationError(f"Line {number}: write it as key = value.")
            metadata[key.strip()] = item.strip()
        return metadata

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(data) != (initial or {})
        except forms.ValidationError:
            return True


class CustomerForm(forms.Form):
    """Every editable field of a customer, grouped as the page shows them (see FIELDSETS)."""

    # Identity
    name = forms.CharField(max_length=255, widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    customer_no = forms.CharField(
        max_length=50,
        required=False,
        label="Customer number",
        help_text="Leave empty to number it automatically (CUST000001, …).",
    )
    legal_name = forms.CharField(max_length=255, required=False)
    alias = forms.CharField(max_length=255, required=False, help_text="Another name people know them by.")
    type = forms.ChoiceField(choices=CustomerType.choices, initial=CustomerType.INDIVIDUAL)
    branch = BranchChoiceField(queryset=None, empty_label=None)
    tax_id = forms.CharField(
        max_length=60,
        required=False,
        label="Tax ID",
        help_text="Checked against the country's rule, e.g. a KRA PIN such as P051234567X.",
        widget=forms.TextInput(attrs=live_validation("tax_id")),
    )
    registration_number = forms.CharField(max_length=50, required=False)
    vat_number = forms.CharField(max_length=60, required=False, label="VAT number")
    ean_number = forms.CharField(
        max_length=13, required=False, label="EAN number", help_text="13 digits with a GS1 check digit."
    )
    # Contact
    phone = forms.CharField(
        max_length=50,
        required=False,
        help_text="Any format; saved as +254712345678.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", **live_validation("phone")}),
    )
    email = forms.CharField(max_length=255, required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    website = forms.CharField(max_length=255, required=False, widget=forms.URLInput(attrs={"placeholder": "https://"}))
    contact_first_name = forms.CharField(max_length=100, required=False, label="Contact first name")
    contact_last_name = forms.CharField(max_length=100, required=False, label="Contact last name")
    contact_phone = forms.CharField(
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", **live_validation("contact_phone")}),
    )
    # Address
    address = forms.CharField(
        max_length=500, required=False, widget=forms.TextInput(attrs={"autocomplete": "street-address"})
    )
    city = forms.CharField(max_length=100, required=False)
    postal_code = forms.CharField(max_length=20, required=False)
    location = forms.CharField(max_length=255, required=False, help_text="Landmark, building or directions.")
    country = forms.CharField(
        max_length=2,
        min_length=2,
        help_text="Two-letter ISO code; tax IDs and phones are judged by it.",
        widget=forms.TextInput(
            attrs={
                "list": "country-codes",
                "autocomplete": "country",
                "class": "input-short",
                "hx-get": VALIDATE_URL,
                "hx-trigger": "change",
                "hx-target": "#id_tax_id-feedback",
                "hx-include": "[name='tax_id']",
                "hx-vals": '{"field": "tax_id"}',
            }
        ),
    )
    language = forms.CharField(max_length=2, required=False, help_text="ISO 639-1, e.g. en, sw.")
    currency = forms.CharField(max_length=3, required=False, help_text="ISO 4217, e.g. KES.")
    # Classification
    category = LookupChoiceField(queryset=None, required=False, empty_label="No category")
    group = LookupChoiceField(queryset=None, required=False, empty_label="No group")
    finance_code = LookupChoiceField(queryset=None, required=False, empty_label="No finance code")
    origin = LookupChoiceField(queryset=None, required=False, empty_label="Unknown origin", label="Origin")
    # Invoicing
    invoice_attention = forms.CharField(max_length=255, required=False, label="Invoice attention (Attn.)")
    invoice_email = forms.CharField(max_length=255, required=False, widget=forms.EmailInput)
    credit_limit = forms.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, required=False, help_text="Empty means no limit."
    )
    vat_zone = forms.ChoiceField(choices=VatZone.choices, initial=VatZone.DOMESTIC, label="VAT zone")
    payment_terms = LookupChoiceField(queryset=None, required=False, empty_label="Organization default")
    discount_percent = forms.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, label="Discount (%)"
    )
    # Metadata
    metadata = MetadataField(
        required=False, help_text="One per line as key = value (at most 50 keys, values up to 500 characters)."
    )
    # The version the form was opened on; a save over a newer version is refused (see clean).
    updated_at = forms.CharField(required=False, widget=forms.HiddenInput)

    FIELDSETS = (
        (
            "Identity",
            (
                "name",
                "customer_no",
                "legal_name",
                "alias",
                "type",
                "branch",
                "tax_id",
                "registration_number",
                "vat_number",
                "ean_number",
            ),
        ),
        ("Contact", ("phone", "email", "website", "contact_first_name", "contact_last_name", "contact_phone")),
        ("Address", ("address", "city", "postal_code", "location", "country", "language", "currency")),
        ("Classification", ("category", "group", "finance_code", "origin")),
        (
            "Invoicing",
            ("invoice_attention", "invoice_email", "credit_limit", "vat_zone", "payment_terms", "discount_percent"),
        ),
    )
    WIDE_FIELDS = frozenset({"address", "name"})

    def __init__(self, *args, organization: Organization, customer: Customer | None = None, **kwargs):
        self.organization = organization
        self.customer = customer
        if customer is not None:
            kwargs.setdefault("initial", self.initial_from(customer))
        else:
            kwargs.setdefault(
                "initial", {"country": organization.country, "currency": organization.base_currency, "language": "en"}
            )
        super().__init__(*args, **kwargs)
        branches = branch_list(organization=organization)
        current_branch = customer.branch_id if customer else None
        self.fields["branch"].queryset = branches.filter(Q(is_active=True) | Q(pk=current_branch))
        for name, model in (
            ("category", Category),
            ("group", CustomerGroup),
            ("finance_code", FinanceCode),
            ("origin", ContactOrigin),
            ("payment_terms", PaymentTerms),
        ):
            # Archived values are offered only to the customer that still has them.
            current = getattr(customer, f"{name}_id") if customer else None
            items = lookup_list(model=model, organization=organization)
            self.fields[name].queryset = items.filter(Q(is_archived=False) | Q(pk=current))
        if customer is None:
            del self.fields["updated_at"]
            self.fields["branch"].initial = next((b for b in branches if b.code == "00"), None)

    @staticmethod
    def initial_from(customer: Customer) -> dict[str, Any]:
        initial = {name: getattr(customer, name) for name in CUSTOMER_FORM_VALUE_FIELDS}
        for name in ("branch", "category", "group", "finance_code", "origin", "payment_terms"):
            initial[name] = getattr(customer, f"{name}_id")
        initial["updated_at"] = customer.updated_at.isoformat()
        return initial

    def fieldsets(self):
        return [(title, [self[name] for name in names]) for title, names in self.FIELDSETS]

    def clean_country(self) -> str:
        return self.cleaned_data["country"].strip().upper()

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def clean_language(self) -> str:
        return self.cleaned_data["language"].strip().lower()

    def clean_discount_percent(self) -> Decimal:
        value = self.cleaned_data["discount_percent"]
        return Decimal("0") if value is None else value

    def opened_on(self):
        """The version of the customer the form was opened on (its updated_at), or None."""
        try:
            return parse_datetime(self.data.get(self.add_prefix("updated_at"), "") or "")
        except ValueError:
            return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Caught here before anything is written; the service checks again under the row's lock.
        if self.customer is not None and self.opened_on() != self.customer.updated_at:
            raise forms.ValidationError(STALE_EDIT_MESSAGE, code="stale")
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values to give the service: everything on create, what changed on edit."""
        names = [name for name in self.fields if name != "updated_at"]
        if self.customer is not None:
            names = [name for name in names if name in self.changed_data]
        return {name: self.cleaned_data[name] for name in names}


CUSTOMER_FORM_VALUE_FIELDS = (
    "name",
    "customer_no",
    "legal_name",
    "alias",
    "type",
    "tax_id",
    "registration_number",
    "vat_number",
    "ean_number",
    "phone",
    "email",
    "website",
    "contact_first_name",
    "contact_last_name",
    "contact_phone",
    "address",
    "city",
    "postal_code",
    "location",
    "country",
    "language",
    "currency",
    "invoice_attention",
    "invoice_email",
    "credit_limit",
    "vat_zone",
    "discount_percent",
    "metadata",
)


class BankAccountForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    bank_name = forms.CharField(max_length=255, required=False)
    account_number = forms.CharField(max_length=50, required=False)
    iban = forms.CharField(max_length=42, required=False, label="IBAN")
    bic = forms.CharField(max_length=11, required=False, label="BIC")


class BaseBankAccountFormSet(forms.BaseFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this account"

    def service_rows(self) -> list[tuple[forms.Form, str, dict[str, Any]]]:
        """(form, action, values) per row: "create", "update" or "delete"; unchanged rows are left out."""
        rows = []
        for form in self.forms:
            if not form.has_changed() and not self._should_delete_form(form):
                continue
            values = {name: form.cleaned_data.get(name, "") for name in ("bank_name", "account_number", "iban", "bic")}
            account_id = form.cleaned_data.get("id")
            if self._should_delete_form(form):
                if account_id:
                    rows.append((form, "delete", {"id": account_id}))
            elif account_id:
                rows.append((form, "update", {"id": account_id, **values}))
            elif any(values.values()):
                rows.append((form, "create", values))
        return rows


BankAccountFormSet = forms.formset_factory(BankAccountForm, formset=BaseBankAccountFormSet, extra=1, can_delete=True)


def bank_account_initial(customer: Customer) -> list[dict[str, Any]]:
    return [
        {
            "id": account.pk,
            "bank_name": account.bank_name,
            "account_number": account.account_number,
            "iban": account.iban,
            "bic": account.bic,
        }
        for account in customer.bank_accounts.all()
    ]


class ContactVersionMixin:
    """Edits carry the contact's version (updated_at) so an edit of a stale copy is refused."""

    def expected_version(self):
        try:
            return parse_datetime(self.data.get(self.add_prefix("updated_at"), "") or "")
        except ValueError:
            return None


class ContactEmailForm(ContactVersionMixin, forms.Form):
    email = forms.CharField(max_length=255, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    contact_name = forms.CharField(max_length=255, required=False, label="Name")
    role = forms.CharField(
        max_length=100, required=False, widget=forms.TextInput(attrs={"placeholder": "e.g. Accounts"})
    )
    use_for_invoicing = forms.BooleanField(required=False, label="Send invoices here")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ContactPhoneForm(ContactVersionMixin, forms.Form):
    number = forms.CharField(
        max_length=50,
        label="Phone number",
        widget=forms.TextInput(attrs={"type": "tel", **live_validation("number")}),
    )
    extension = forms.CharField(max_length=10, required=False, widget=forms.TextInput(attrs={"class": "input-short"}))
    contact_name = forms.CharField(max_length=255, required=False, label="Name")
    role = forms.CharField(max_length=100, required=False, widget=forms.TextInput(attrs={"placeholder": "e.g. Owner"}))
    is_whatsapp = forms.BooleanField(required=False, label="On WhatsApp")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BillingEntityForm(forms.Form):
    legal_name = forms.CharField(max_length=255)
    tax_id = forms.CharField(
        max_length=60,
        required=False,
        label="Tax ID",
        widget=forms.TextInput(attrs=live_validation("tax_id")),
    )
    billing_email = forms.CharField(max_length=255, required=False, widget=forms.EmailInput)
    fiscal_address = forms.CharField(max_length=500, required=False)
    billing_address = forms.CharField(max_length=500, required=False)
    is_default = forms.BooleanField(required=False, label="Make this the default")


class TransactionFilterForm(forms.Form):
    """The customer page's ledger filters, under their own names so they never clash with the list's."""

    tx_type = forms.ChoiceField(
        required=False, label="Type", choices=_blank_choice("All types") + TransactionType.choices
    )
    tx_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    tx_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    API_NAMES = {"tx_type": "type", "tx_from": "from_date", "tx_to": "to_date"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("tx_from"), cleaned.get("tx_to")
        if start and end and start > end:
            self.add_error("tx_to", "The end date is before the start date.")
        return cleaned

    def statement_query(self) -> str:
        """The valid dates as the statement's query string (its default period when there are none)."""
        cleaned = getattr(self, "cleaned_data", {})
        dates = {"from_date": cleaned.get("tx_from"), "to_date": cleaned.get("tx_to")}
        return urlencode({name: value.isoformat() for name, value in dates.items() if value})

    def selector_filters(self) -> dict[str, str]:
        """The valid filters under transaction_list's names; an invalid one is shown and ignored."""
        cleaned = getattr(self, "cleaned_data", {})
        filters = {}
        for name, api_name in self.API_NAMES.items():
            value = cleaned.get(name)
            if value:
                filters[api_name] = value.isoformat() if hasattr(value, "isoformat") else value
        return filters

    def query(self) -> str:
        """The filters as a query string, for page links that keep them."""
        return urlencode({name: self.data[name] for name in self.API_NAMES if self.data.get(name)})


class LookupForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PaymentTermsForm(LookupForm):
    days = forms.IntegerField(min_value=0, max_value=365, initial=30, help_text="From 0 to 365.")
    type = forms.ChoiceField(label="Counted from", choices=PaymentTermsType.choices, initial=PaymentTermsType.NET)


MODE_CHOICES = [
    (ImportMode.ALL_OR_NOTHING.value, "All or nothing"),
    (ImportMode.SKIP_INVALID.value, "Skip invalid rows"),
]


class ImportModeField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=MODE_CHOICES,
            initial=ImportMode.ALL_OR_NOTHING.value,
            widget=forms.RadioSelect,
            label="If some rows are invalid",
            **kwargs,
        )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Customer file",
        # An empty file is refused by the importer, with the importer's own message.
        allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": f".xlsx,.csv,{XLSX_CONTENT_TYPE},text/csv"}),
    )
    mode = ImportModeField()
    category = LookupChoiceField(
        queryset=None,
        required=False,
        empty_label="No category",
        label="Default category",
        help_text="Given to rows without a category of their own.",
    )
    branch = BranchChoiceField(
        queryset=None,
        required=False,
        empty_label="Head office",
        label="Default branch",
        help_text="Given to rows without a branch of their own.",
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = lookup_list(
            model=Category, organization=organization, include_archived=False
        )
        self.fields["branch"].queryset = branch_list(organization=organization, active_only=True)
        megabytes = settings.IMPORT_MAX_BYTES / (1024 * 1024)
        self.fields["file"].help_text = (
            f"An Excel workbook (.xlsx) or a CSV file saved as UTF-8; at most {megabytes:g} MB and "
            f"{settings.IMPORT_MAX_ROWS:,} rows. Nothing is saved until you confirm."
        )

    def dry_run_options(self) -> ImportOptions:
        data = self.cleaned_data
        return ImportOptions(
            dry_run=True, mode=ImportMode.SKIP_INVALID, category=data.get("category"), branch=data.get("branch")
        )


class ImportConfirmForm(forms.Form):
    mode = ImportModeField()
