"""Search index rows of many customers at once, the same rows customers.search builds one by one.

``customers.search._document_and_keys`` builds a customer's document and identifier keys through
model instances and normalizes each text with Unicode decomposition; an import of 100,000
customers spent seconds there. ``index_rows`` gives the same values as plain tuples, ready for
``insert_rows``, and ``index_refresh`` rebuilds existing customers' rows from plain values the
way ``search_index_refresh`` does. Text is folded character by character through a table that
learns each character once (ASCII text takes a shorter path), and a phone's national number is
read off its E.164 digits when phonenumbers would read it the same way.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..models import SearchKeyKind
from ..search import FOLDED_LETTERS, phone_keys
from ..validators import compact, e164_national_number

DOCUMENT_COLUMNS = ("customer_id", "organization_id", "branch_id", "name_key", "text")
KEY_COLUMNS = ("organization_id", "customer_id", "kind", "value")
MAX_KEY_LENGTH = 255
MAX_NAME_KEY_LENGTH = 255
# The customer's own fields a search row comes from, in IndexedCustomer's order.
CUSTOMER_FIELDS = (
    "id",
    "organization_id",
    "branch_id",
    "customer_no",
    "name",
    "legal_name",
    "alias",
    "tax_id",
    "vat_number",
    "phone",
    "contact_phone",
    "email",
    "invoice_email",
)


@dataclass(frozen=True)
class IndexedCustomer:
    """What a customer is found by: its own fields and those of its contacts, entities and ledger."""

    id: int
    organization_id: int
    branch_id: int
    customer_no: str
    name: str
    legal_name: str = ""
    alias: str = ""
    tax_id: str = ""
    vat_number: str = ""
    phone: str = ""
    contact_phone: str = ""
    email: str = ""
    invoice_email: str = ""
    contact_emails: Sequence[str] = ()
    contact_phones: Sequence[str] = ()
    entity_names: Sequence[str] = ()  # billing entities' legal names
    entity_tax_ids: Sequence[str] = ()
    entity_emails: Sequence[str] = ()
    references: Sequence[str] = ()


def _fold(char: str) -> str:
    """search.normalize_text of one character, before its whitespace is collapsed."""
    decomposed = unicodedata.normalize("NFKD", char.casefold().translate(FOLDED_LETTERS))
    return "".join(
        part for part in decomposed if not unicodedata.combining(part) and unicodedata.category(part) != "Cf"
    )


# Code point -> folded text, for every character met so far (ASCII capitals from the start).
_FOLDED: dict[int, str] = {code: chr(code).lower() for code in range(ord("A"), ord("Z") + 1)}
_KNOWN: set[str] = {chr(code) for code in range(128)}


def normalize_text(value: str) -> str:
    """The same as customers.search.normalize_text.

    Case folding, the letters table, the decomposition and the removal of combining marks and
    format characters each work on one character at a time (the canonical reordering NFKD does
    only moves combining marks, which are all removed), so folding each character on its own
    gives the same text.
    """
    value = value or ""
    if value.isascii():
        return " ".join(value.lower().split())
    unknown = set(value).difference(_KNOWN)
    for char in unknown:
        _FOLDED[ord(char)] = _fold(char)
        _KNOWN.add(char)
    return " ".join(value.translate(_FOLDED).split())


# What validators.compact removes from ASCII text: whitespace (as str.isspace has it), dots, slashes.
_COMPACTED_AWAY = str.maketrans(dict.fromkeys([*(chr(code) for code in range(128) if chr(code).isspace()), ".", "/"]))


def _compact(value: str) -> str:
    """validators.compact, without a regular expression for ASCII text."""
    return value.translate(_COMPACTED_AWAY).upper() if value.isascii() else compact(value)


def _phone_keys(number: str) -> set[str]:
    if not number:
        return set()
    national = e164_national_number(number)
    if national is None:
        return phone_keys(number)
    return {number.lstrip("+"), national}


def document_and_keys(customer: IndexedCustomer) -> tuple[tuple, list[tuple]]:
    """The CustomerSearchDocument row (DOCUMENT_COLUMNS) and CustomerSearchKey rows (KEY_COLUMNS) of ``customer``."""
    name = normalize_text(customer.name)
    others = [customer.legal_name, customer.alias, *customer.entity_names]
    all_emails = {customer.email, customer.invoice_email, *customer.contact_emails, *customer.entity_emails}
    all_emails.discard("")
    parts = [name] if customer.name else []
    parts += [normalize_text(part) for part in [*others, *sorted(all_emails)] if part]
    document = (
        customer.id,
        customer.organization_id,
        customer.branch_id,
        name[:MAX_NAME_KEY_LENGTH],
        " | ".join(parts),
    )
    keys: set[tuple[int, str]] = {(SearchKeyKind.CUSTOMER_NO, customer.customer_no.lower())}
    for tax_id in {customer.tax_id, customer.vat_number, *customer.entity_tax_ids}:
        if tax_id:
            keys.add((SearchKeyKind.TAX_ID, _compact(tax_id).lower()))
    for number in {customer.phone, customer.contact_phone, *customer.contact_phones}:
        keys.update((SearchKeyKind.PHONE, key) for key in _phone_keys(number))
    keys.update((SearchKeyKind.EMAIL, email.lower()) for email in all_emails)
    keys.update(
        (SearchKeyKind.REFERENCE, reference.lower()[:MAX_KEY_LENGTH]) for reference in customer.references if reference
    )
    rows = [(customer.organization_id, customer.id, int(kind), value[:MAX_KEY_LENGTH]) for kind, value in keys if value]
    return document, rows


def index_refresh(*, customer_ids: Iterable[int]) -> None:
    """customers.search.search_index_refresh for many customers: the same rows, read and written in bulk.

    The customers' contacts, billing entities and ledger references are read as plain values, and
    the rows go in with insert_rows, in the caller's transaction.
    """
    from billing.models import BillingEntity
    from transactions.models import Transaction

    from ..models import ContactEmail, ContactPhone, Customer, CustomerSearchDocument, CustomerSearchKey
    from ..services.bulk import insert_rows

    ids = sorted(set(customer_ids))
    if not ids:
        return
    CustomerSearchKey.objects.filter(customer_id__in=ids).delete()
    CustomerSearchDocument.objects.filter(customer_id__in=ids).delete()
    customers = list(
        Customer.objects.filter(pk__in=ids, deleted_at__isnull=True).order_by().values_list(*CUSTOMER_FIELDS)
    )
    if not customers:
        return
    alive = [values[0] for values in customers]
    emails = _grouped(ContactEmail.objects.filter(customer_id__in=alive).order_by().values_list("customer_id", "email"))
    phones = _grouped(
        ContactPhone.objects.filter(customer_id__in=alive).order_by().values_list("customer_id", "number")
    )
    references = _grouped(
        Transaction.objects.filter(customer_id__in=alive)
        .exclude(reference="")
        .order_by()
        .values_list("customer_id", "reference")
    )
    entities: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for customer_id, *entity in (
        BillingEntity.objects.filter(customer_id__in=alive)
        .order_by()
        .values_list("customer_id", "legal_name", "tax_id", "billing_email")
    ):
        entities[customer_id].append(entity)
    documents, keys = index_rows(
        IndexedCustomer(
            *values,
            contact_emails=emails.get(values[0], ()),
            contact_phones=phones.get(values[0], ()),
            entity_names=[name for name, _, _ in entities.get(values[0], ())],
            entity_tax_ids=[tax_id for _, tax_id, _ in entities.get(values[0], ())],
            entity_emails=[email for _, _, email in entities.get(values[0], ())],
            references=references.get(values[0], ()),
        )
        for values in customers
    )
    insert_rows(CustomerSearchDocument, DOCUMENT_COLUMNS, documents, adapted=True)
    insert_rows(CustomerSearchKey, KEY_COLUMNS, keys, adapted=True)


def _grouped(pairs: Iterable[tuple[int, str]]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    for customer_id, value in pairs:
        grouped[customer_id].append(value)
    return grouped


def index_rows(customers: Iterable[IndexedCustomer]) -> tuple[list[tuple], list[tuple]]:
    """The document rows and key rows of ``customers``, for insert_rows."""
    documents: list[tuple] = []
    keys: list[tuple] = []
    for customer in customers:
        document, rows = document_and_keys(customer)
        documents.append(document)
        keys.extend(rows)
    return documents, keys
