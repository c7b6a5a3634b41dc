"""The customer spreadsheet: its columns as a django-import-export resource, scoped to one organization.

Admin's import/export uses ``CustomerResource``; the fast importer (customers.importing) takes
its header definitions from the same resource, so a column means the same thing everywhere.
Rows are written by ``customer_bulk_upsert`` whichever door they come in by.
"""

import json
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from import_export import resources, widgets
from import_export.fields import Field
from import_export.results import Error, RowResult

from accounts.models import Organization

from .exporting.cells import csv_text
from .models import Customer
from .services.imports import (
    OrganizationLookups,
    cell_decimal,
    cell_text,
)

CUSTOMER_COLUMNS_HELP: dict[str, tuple[str, str]] = {
    # field: (format, example)
    "customer_no": (
        "Up to 50 letters, digits or - _ / . (no spaces). Matches an existing customer to update; "
        "left empty, a number (CUST000001, ...) is generated.",
        "CUST000123",
    ),
    "name": ("Required for a new customer; up to 255 characters.", "Wanjiku Traders Ltd"),
    "legal_name": ("Registered legal name.", "Wanjiku Traders Limited"),
    "alias": ("Another name the customer is known by.", "Wanjiku"),
    "type": ("individual, company or government (default individual).", "company"),
    "tax_id": (
        "Checked by the customer's country: KE KRA PIN (P051234567X), CO NIT, DK CVR, GH TIN, EU VAT; "
        "matches an existing customer when Customer No is empty.",
        "P051234567X",
    ),
    "registration_number": ("Company registration number.", "PVT-2016-123456"),
    "vat_number": ("VAT number of the VAT group; EU numbers are checked against their format.", ""),
    "ean_number": ("13 digits with a valid GS1 check digit.", "4006381333931"),
    "country": ("ISO 3166-1 alpha-2 code; default the organization's country.", "KE"),
    "language": ("ISO 639-1 code (default en).", "en"),
    "currency": ("ISO 4217 code; default the organization's currency.", "KES"),
    "address": ("Up to 500 characters.", "Moi Avenue 12"),
    "city": ("", "Nairobi"),
    "postal_code": ("Keep leading zeros: format the column as Text.", "00100"),
    "location": ("Building, landmark or plot.", "Kimathi House, 3rd floor"),
    "phone": ("Any format; stored as +countrycode... (E.164), read in the customer's country.", "+254712345678"),
    "email": ("A valid email address; stored lower-case.", "accounts@wanjiku.co.ke"),
    "website": ("A web address; https:// is added when missing.", "https://wanjiku.co.ke"),
    "contact_first_name": ("Contact person's first name.", "Jane"),
    "contact_last_name": ("Contact person's last name.", "Wanjiku"),
    "contact_phone": ("Contact person's phone, any format.", "0722 000 111"),
    "category": ("The name of an existing category of the organization.", ""),
    "group": ("The name of an existing customer group.", ""),
    "origin": ("The name of an existing contact origin (where the customer came from).", ""),
    "finance_code": ("The name of an existing finance code.", ""),
    "payment_terms": ("The name of existing payment terms.", ""),
    "invoice_attention": ("Who invoices are addressed to.", "Accounts Payable"),
    "invoice_email": ("Where invoices are sent.", "invoices@wanjiku.co.ke"),
    "credit_limit": ("A number of 0 or more; empty means no limit.", "50000"),
    "vat_zone": ("domestic, european or abroad (default domestic).", "domestic"),
    "discount_percent": ("A number from 0 to 100.", "2.5"),
    "branch": ("A branch code (00 is Head Office) or name; default the import's branch.", "00"),
    "opening_balance": (
        "What the customer owes at import; recorded once as an opening-balance transaction "
        "(a customer that already has one keeps it). Also read from a column named Unpaid Amount.",
        "12500.00",
    ),
    "metadata": ("A JSON object of up to 50 text values.", '{"erp_id": "1001"}'),
}
# Other headers that mean the same column (matched ignoring case, spaces and punctuation).
CUSTOMER_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_no": ("Customer Number", "Customer Code", "Cust No", "Account No", "Account Number"),
    "name": ("Customer Name", "Full Name", "custNm"),
    "tax_id": ("TIN", "Tax Number", "KRA PIN", "PIN", "NIT", "CVR"),
    "phone": ("Phone Number", "Telephone", "Mobile", "Mobile Number", "Tel"),
    "email": ("Email Address", "E-mail"),
    "postal_code": ("Postcode", "Zip", "Zip Code", "Postal Address"),
    "opening_balance": ("Unpaid Amount", "Amount Owed", "Unpaid Balance"),
    "branch": ("Branch Code", "branch_id"),
    "category": ("category_id",),
    "type": ("Customer Type",),
}


class TextWidget(widgets.Widget):
    """Cell text as the fast importer reads it: whole numbers without '.0', dates as ISO dates."""

    def clean(self, value, row=None, **kwargs):
        return cell_text(value)

    def render(self, value, obj=None, **kwargs):
        # Text that a spreadsheet would evaluate (=, +, -, @, tab, CR) is exported behind an apostrophe.
        return "" if value is None else csv_text(str(value))


class NumberWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        try:
            return cell_decimal(value)
        except ValueError as exc:
            raise ValueError(str(exc)) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class LookupWidget(widgets.Widget):
    """A branch (by code or name) or a lookup (by name) of the resource's organization only."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self.lookups: OrganizationLookups | None = None

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if self.lookups is None:
            raise ValueError("Choose the organization to import into.")
        return self.lookups.resolve(self.kind, value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return csv_text(value.code if self.kind == "branch" else value.name)


class MetadataWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return json.loads(cell_text(value)) if cell_text(value) else {}

    def render(self, value, obj=None, **kwargs):
        return json.dumps(value, ensure_ascii=False) if value else ""


def _text(attribute: str, label: str) -> Field:
    return Field(attribute=attribute, column_name=label, widget=TextWidget())


class CustomerResource(resources.ModelResource):
    """Every column of the full import template, in its order; lookups resolve inside one organization."""

    customer_no = _text("customer_no", "Customer No")
    name = _text("name", "Name")
    legal_name = _text("legal_name", "Legal Name")
    alias = _text("alias", "Alias")
    type = _text("type", "Type")
    tax_id = _text("tax_id", "Tax ID")
    registration_number = _text("registration_number", "Registration Number")
    vat_number = _text("vat_number", "VAT Number")
    ean_number = _text("ean_number", "EAN Number")
    country = _text("country", "Country")
    language = _text("language", "Language")
    currency = _text("currency", "Currency")
    address = _text("address", "Address")
    city = _text("city", "City")
    postal_code = _text("postal_code", "Postal Code")
    location = _text("location", "Location")
    phone = _text("phone", "Phone")
    email = _text("email", "Email")
    website = _text("website", "Website")
    contact_first_name = _text("contact_first_name", "Contact First Name")
    contact_last_name = _text("contact_last_name", "Contact Last Name")
    contact_phone = _text("contact_phone", "Contact Phone")
    category = Field(attribute="category", column_name="Category", widget=LookupWidget("category"))
    group = Field(attribute="group", column_name="Group", widget=LookupWidget("group"))
    origin = Field(attribute="origin", column_name="Origin", widget=LookupWidget("origin"))
    finance_code = Field(attribute="finance_code", column_name="Finance Code", widget=LookupWidget("finance_code"))
    payment_terms = Field(attribute="payment_terms", column_name="Payment Terms", widget=LookupWidget("payment_terms"))
    invoice_attention = _text("invoice_attention", "Invoice Attention")
    invoice_email = _text("invoice_email", "Invoice Email")
    credit_limit = Field(attribute="credit_limit", column_name="Credit Limit", widget=NumberWidget())
    vat_zone = _text("vat_zone", "VAT Zone")
    discount_percent = Field(attribute="discount_percent", column_name="Discount Percent", widget=NumberWidget())
    branch = Field(attribute="branch", column_name="Branch", widget=LookupWidget("branch"))
    # Import only: a ledger entry, not a column of the customer.
    opening_balance = Field(attribute="opening_balance", column_name="Opening Balance", widget=NumberWidget())
    metadata = Field(attribute="metadata", column_name="Metadata", widget=MetadataWidget())

    class Meta:
        model = Customer
        fields = tuple(CUSTOMER_COLUMNS_HELP)
        export_order = tuple(CUSTOMER_COLUMNS_HELP)
        import_id_fields = ("customer_no",)
        skip_unchanged = True
        use_transactions = True

    def __init__(self, *, organization: Organization | None = None, actor=None, **kwargs: Any):
        super().__init__(**kwargs)
        self.organization = organization
        self.actor = actor
        lookups = OrganizationLookups(organization) if organization is not None else None
        for resource_field in self.fields.values():
            if isinstance(resource_field.widget, LookupWidget):
                resource_field.widget.lookups = lookups

    @classmethod
    def column_labels(cls) -> dict[str, str]:
        """Field name -> the template's column header, in template order."""
        return {name: cls.fields[name].column_name for name in CUSTOMER_COLUMNS_HELP}

    def get_queryset(self):
        if self.organization is None:
            return Customer.objects.none()
        return Customer.objects.alive().filter(organization=self.organization)

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("branch", "category", "group", "origin", "finance_code", "payment_terms")

    def get_export_fields(self, selected_fields=None):
        return [
            resource_field
            for resource_field in super().get_export_fields(selected_fields)
            if resource_field.attribute != "opening_balance"
        ]

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        """Admin's import: the rows go through customer_bulk_upsert, as the API's and the pages' do."""
        from .importing.columns import map_columns
        from .importing.files import ImportFileRefused
        from .services.imports import ImportRow, customer_bulk_upsert

        result = self.get_result_class()()
        headers = [cell_text(header) for header in (dataset.headers or [])]
        result.diff_headers = headers
        result.add_dataset_headers(headers)
        if self.organization is None:
            result.append_base_error(Error(ValidationError("Choose the organization to import into.")))
            return result
        try:
            columns = map_columns(headers)
        except ImportFileRefused as exc:
            result.append_base_error(Error(ValidationError(exc.message)))
            return result
        # Row 1 is the header, as the spreadsheet numbers it.
        values_by_row = {index + 2: list(values) for index, values in enumerate(dataset)}
        rows = [
            ImportRow(number, columns.values(values))
            for number, values in values_by_row.items()
            if any(value not in (None, "") for value in values)
        ]
        outcome = customer_bulk_upsert(
            organization=self.organization, actor=self.actor, rows=rows, dry_run=dry_run, record_outcomes=True
        )
        errors: dict[int, dict[str, list[str]]] = defaultdict(dict)
        for error in outcome.errors:
            errors[error.row].setdefault(columns.header_for(error.field), []).append(error.message)
        for number, messages in errors.items():
            row = dict(zip(headers, values_by_row[number], strict=False))
            result.append_invalid_row(number, row, ValidationError(messages))
        result.totals[RowResult.IMPORT_TYPE_INVALID] = len(errors)
        import_types = {"new": RowResult.IMPORT_TYPE_NEW, "update": RowResult.IMPORT_TYPE_UPDATE}
        for number, kind in outcome.outcomes or []:
            row_result = self.get_row_result_class()()
            row_result.import_type = import_types.get(kind, RowResult.IMPORT_TYPE_SKIP)
            row_result.row_values = dict(zip(headers, values_by_row[number], strict=False))
            result.append_row_result(row_result)
            result.increment_row_result_total(row_result)
        result.total_rows = len(rows)
        return result
