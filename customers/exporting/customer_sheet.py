"""One customer's information sheet: details, contacts, billing entities and transactions."""

from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.iso_codes import country_label, language_label
from customers.models import Customer
from transactions.models import TransactionStatus, TransactionType
from transactions.selectors import transaction_list

from .cells import PDF_CONTENT_TYPE, XLSX_CONTENT_TYPE, ExportFile, XlsxBook, display, filename_part, typed
from .pdf import column_percentages, document_context, render_pdf

SHEET_FORMATS = ("pdf", "xlsx")
# The PDF lists the newest entries; the xlsx and the statement of account carry every entry.
PDF_TRANSACTION_LIMIT = 500

CONTACT_HEADERS = (
    "Kind",
    "Email or number",
    "Extension",
    "Contact name",
    "Role",
    "For invoicing",
    "WhatsApp",
    "Locked",
    "Notes",
)
CONTACT_WIDTHS = (9, 30, 10, 24, 18, 13, 11, 8, 36)
CONTACT_PDF_WIDTHS = (7, 22, 9, 16, 11, 9, 9, 7, 10)
ENTITY_HEADERS = ("Legal name", "Tax ID", "Billing email", "Fiscal address", "Billing address", "Default", "Active")
ENTITY_WIDTHS = (32, 16, 28, 36, 36, 9, 8)
ENTITY_PDF_WIDTHS = (20, 15, 20, 16, 16, 7, 6)
TRANSACTION_HEADERS = ("Date", "Type", "Reference", "Status", "Total", "Tax", "Currency", "Branch", "Description")
TRANSACTION_WIDTHS = (18, 16, 18, 10, 14, 12, 9, 9, 40)
# A reference such as INV-2026-00211 fits on one line at the PDF's 8.5 pt.
TRANSACTION_PDF_WIDTHS = (16, 11, 16, 8, 11, 9, 8, 6, 15)
TRANSACTION_FIELDS = (
    "occurred_at",
    "type",
    "reference",
    "status",
    "total_amount",
    "tax_amount",
    "currency",
    "branch__code",
    "description",
)


def customer_sheet_export(*, customer: Customer, format: str) -> ExportFile:
    """``customer`` as ``customers.selectors.customer_get_detailed`` returns it, as a pdf or xlsx file."""
    zone = ZoneInfo(customer.organization.timezone)
    stamp = timezone.now().astimezone(zone)
    filename = f"customer-{filename_part(customer.customer_no, fallback='customer')}-{stamp:%Y%m%d}.{format}"
    if format == "xlsx":
        return ExportFile(_xlsx(customer, zone), filename, XLSX_CONTENT_TYPE)
    if format == "pdf":
        return ExportFile(_pdf(customer, zone), filename, PDF_CONTENT_TYPE)
    raise ValueError(f"Unknown sheet format {format!r}.")


def detail_rows(customer: Customer, zone: ZoneInfo) -> list[tuple[str, Any]]:
    def name_of(related) -> str:
        return related.name if related is not None else ""

    rows: list[tuple[str, Any]] = [
        ("Customer No", customer.customer_no),
        ("Name", customer.name),
        ("Legal name", customer.legal_name),
        ("Alias", customer.alias),
        ("Type", customer.get_type_display()),
        ("Status", customer.get_status_display()),
        ("Tax ID", customer.tax_id),
        ("Registration number", customer.registration_number),
        ("VAT number", customer.vat_number),
        ("EAN number", customer.ean_number),
        ("Branch", f"{customer.branch.code} {customer.branch.name}"),
        ("Country", country_label(customer.country)),
        ("Language", language_label(customer.language)),
        ("Currency", customer.currency),
        ("Address", customer.address),
        ("City", customer.city),
        ("Postal code", customer.postal_code),
        ("Location", customer.location),
        ("Phone", customer.phone),
        ("Email", customer.email),
        ("Website", customer.website),
        ("Contact person", f"{customer.contact_first_name} {customer.contact_last_name}".strip()),
        ("Contact phone", customer.contact_phone),
        ("Category", name_of(customer.category)),
        ("Group", name_of(customer.group)),
        ("Finance code", name_of(customer.finance_code)),
        ("Origin", name_of(customer.origin)),
        ("Invoice attention", customer.invoice_attention),
        ("Invoice email", customer.invoice_email),
        ("Credit limit", customer.credit_limit),
        ("VAT zone", customer.get_vat_zone_display()),
        ("Payment terms", name_of(customer.payment_terms)),
        ("Discount %", customer.discount_percent),
        ("Total debit", customer.total_debit),
        ("Total credit", customer.total_credit),
        ("Balance", customer.balance),
        ("Deposits", customer.deposit_amount),
        ("Transactions", customer.total_transactions),
        ("Last transaction", customer.last_transaction_at),
        ("Source", customer.get_source_display()),
        ("Created", customer.created_at),
        ("Updated", customer.updated_at),
    ]
    for account in customer.bank_accounts.all():
        parts = [account.bank_name, account.account_number, account.iban, account.bic]
        rows.append(("Bank account", " · ".join(part for part in parts if part)))
    for key, value in sorted((customer.metadata or {}).items()):
        rows.append((f"Metadata: {key}", value))
    return [(label, typed(value, zone=zone)) for label, value in rows]


def contact_rows(customer: Customer) -> list[list[Any]]:
    emails = [
        [
            "Email",
            email.email,
            "",
            email.contact_name,
            email.role,
            email.use_for_invoicing,
            None,
            email.is_locked,
            email.notes,
        ]
        for email in customer.emails.all()
    ]
    phones = [
        [
            "Phone",
            phone.number,
            phone.extension,
            phone.contact_name,
            phone.role,
            None,
            phone.is_whatsapp,
            phone.is_locked,
            phone.notes,
        ]
        for phone in customer.phones.all()
    ]
    return emails + phones


def entity_rows(customer: Customer) -> list[list[Any]]:
    return [
        [
            entity.legal_name,
            entity.tax_id,
            entity.billing_email,
            entity.fiscal_address,
            entity.billing_address,
            entity.is_default,
            entity.is_active,
        ]
        for entity in customer.billing_entities.all()
    ]


def transaction_rows(customer: Customer, zone: ZoneInfo, *, limit: int | None = None) -> Iterator[list[Any]]:
    """The customer's ledger entries, newest first, streamed from the database."""
    type_labels = dict(TransactionType.choices)
    status_labels = dict(TransactionStatus.choices)
    entries = transaction_list(organization=customer.organization, customer=customer).values_list(*TRANSACTION_FIELDS)
    if limit is not None:
        entries = entries[:limit]
    for occurred_at, entry_type, reference, status, total, tax, currency, branch, description in entries.iterator(
        chunk_size=2000
    ):
        yield [
            typed(occurred_at, zone=zone),
            type_labels.get(entry_type, entry_type),
            reference,
            status_labels.get(status, status),
            total,
            tax,
            currency,
            branch,
            description,
        ]


def _xlsx(customer: Customer, zone: ZoneInfo) -> bytes:
    book = XlsxBook()
    details = book.sheet(title="Customer", headers=("Field", "Value"), widths=(22, 48))
    for label, value in detail_rows(customer, zone):
        details.append([label, value])
    contacts = book.sheet(title="Contacts", headers=CONTACT_HEADERS, widths=CONTACT_WIDTHS)
    for row in contact_rows(customer):
        contacts.append(row)
    entities = book.sheet(title="Billing entities", headers=ENTITY_HEADERS, widths=ENTITY_WIDTHS)
    for row in entity_rows(customer):
        entities.append(row)
    transactions = book.sheet(title="Transactions", headers=TRANSACTION_HEADERS, widths=TRANSACTION_WIDTHS)
    for row in transaction_rows(customer, zone):
        transactions.append(row)
    return book.to_bytes()


def _pdf(customer: Customer, zone: ZoneInfo) -> bytes:
    details = [(label, display(value)) for label, value in detail_rows(customer, zone)]
    # Two label/value pairs per table row keeps the details on the first page.
    detail_pairs = [details[index : index + 2] for index in range(0, len(details), 2)]
    newest = transaction_rows(customer, zone, limit=PDF_TRANSACTION_LIMIT)
    transactions = [[display(value) for value in row] for row in newest]
    transaction_count = len(transactions)
    if transaction_count == PDF_TRANSACTION_LIMIT:
        transaction_count = transaction_list(organization=customer.organization, customer=customer).count()
    identity = " · ".join(
        part
        for part in (f"Customer No {customer.customer_no}", customer.tax_id and f"Tax ID {customer.tax_id}")
        if part
    )
    context = {
        **document_context(
            organization=customer.organization,
            title=f"Customer information sheet: {customer.name}",
            header_lines=[identity],
        ),
        "customer": customer,
        "detail_pairs": detail_pairs,
        "contact_headers": CONTACT_HEADERS,
        "contact_widths": column_percentages(CONTACT_PDF_WIDTHS),
        "contacts": [[display(value) for value in row] for row in contact_rows(customer)],
        "entity_headers": ENTITY_HEADERS,
        "entity_widths": column_percentages(ENTITY_PDF_WIDTHS),
        "entities": [[display(value) for value in row] for row in entity_rows(customer)],
        "transaction_headers": TRANSACTION_HEADERS,
        "transaction_widths": column_percentages(TRANSACTION_PDF_WIDTHS),
        "transactions": transactions,
        "transaction_count": transaction_count,
        "transactions_truncated": transaction_count > len(transactions),
        "transaction_limit": PDF_TRANSACTION_LIMIT,
    }
    return render_pdf(template_name="exports/customer_sheet.html", context=context)
