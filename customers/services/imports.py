"""Bulk upsert of customers from spreadsheet rows: validate every row in Python, then write in batches.

The rules are those of customer_create/customer_update (the same normalizers, model field
validators and organization scoping); only the way rows reach the database differs: lookups
and the organization's customers are read once per import (no query per row), each field's
validators are called directly (``field.clean`` runs only for a value one of them refuses, so
the messages are its own), customers, their history rows and opening balances are written with
multi-row statements (COPY on PostgreSQL) under ids reserved for them, one database transaction
per batch, and the search index follows in the same transaction.
"""

import datetime as dt
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from operator import itemgetter
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import (
    EMPTY_VALUES,
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
    RegexValidator,
    validate_email,
)
from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.models import HEAD_OFFICE_CODE, ApiKey, Branch, Organization
from core.exceptions import Conflict
from core.expressions import to_cents
from core.history import request_context

from ..models import (
    ZERO,
    Category,
    ContactOrigin,
    Customer,
    CustomerGroup,
    CustomerSearchDocument,
    CustomerSearchKey,
    CustomerSource,
    CustomerType,
    FinanceCode,
    LookupBase,
    VatZone,
)
from ..search import (
    CUSTOMER_FIELDS,
    DOCUMENT_COLUMNS,
    KEY_COLUMNS,
    IndexedCustomer,
    index_rows,
    normalize_text,
    search_index_refresh,
)
from ..validators import is_valid_email
from .bulk import column_adapters, insert_rows, reserve_ids, update_rows
from .customers import (
    normalize_customer_values,
    organization_scope_errors,
    reserve_customer_numbers,
)

# Rows written per database transaction. Larger batches write each index page they touch fewer
# times (a 100,000-row import takes about a tenth less time at 10,000 than at 2,000); each still
# holds SQLite's write lock for only a second or two.
IMPORT_BATCH_SIZE = 10_000
TRANSACTION_COLUMNS = (
    "id",
    "organization_id",
    "branch_id",
    "customer_id",
    "type",
    "reference",
    "occurred_at",
    "currency",
    "total_amount",
    "tax_amount",
    "status",
    "billing_entity_id",
    "description",
    "created_at",
    "created_by_id",
    "voided_at",
    "voided_by_id",
)
CENT = Decimal("0.01")
OPENING_BALANCE = "opening_balance"

TEXT_FIELDS = frozenset(
    {
        "customer_no",
        "name",
        "legal_name",
        "alias",
        "tax_id",
        "registration_number",
        "vat_number",
        "ean_number",
        "address",
        "city",
        "postal_code",
        "location",
        "phone",
        "email",
        "website",
        "contact_first_name",
        "contact_last_name",
        "contact_phone",
        "invoice_attention",
        "invoice_email",
    }
)
UPPER_CODE_FIELDS = frozenset({"country", "currency"})
LOWER_CODE_FIELDS = frozenset({"language"})
CHOICE_FIELDS = {"type": CustomerType, "vat_zone": VatZone}
DECIMAL_FIELDS = frozenset({"credit_limit", "discount_percent", "opening_balance"})
LOOKUP_FIELDS = ("branch", "category", "group", "origin", "finance_code", "payment_terms")
IMPORTABLE_FIELDS = (
    TEXT_FIELDS
    | UPPER_CODE_FIELDS
    | LOWER_CODE_FIELDS
    | set(CHOICE_FIELDS)
    | DECIMAL_FIELDS
    | set(LOOKUP_FIELDS)
    | {"metadata"}
)
# Columns whose few distinct texts repeat down a sheet (choices and lookups by name).
REPEATED_TEXT_FIELDS = frozenset(CHOICE_FIELDS) | frozenset(LOOKUP_FIELDS)
# Judged by the customer's country (SPEC §7).
COUNTRY_BOUND_FIELDS = frozenset({"tax_id", "phone", "contact_phone"})
# Fields checked by the model's own validators (max length, choices, customer_no pattern, URL, ...).
MODEL_CHECKED_FIELDS = IMPORTABLE_FIELDS - set(LOOKUP_FIELDS) - {OPENING_BALANCE}
# What an existing customer is compared on: each importable field by its column.
COMPARED_COLUMNS = (
    "id",
    *sorted((f"{name}_id" if name in LOOKUP_FIELDS else name) for name in MODEL_CHECKED_FIELDS | set(LOOKUP_FIELDS)),
)
# The columns of a history row besides the customer's own fields.
HISTORY_AUDIT_COLUMNS = (
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
    "history_api_key_id",
    "history_request_id",
)


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", "All or nothing"
    SKIP_INVALID = "skip_invalid", "Skip invalid rows"


class CellError(str):
    """A cell that shows a spreadsheet error (#N/A, #REF!, ...) instead of a value."""


@dataclass(frozen=True)
class ImportRow:
    """One data row of a sheet: its number as the sheet shows it, and its values by field name."""

    number: int
    values: Mapping[str, Any]


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ImportResult:
    mode: str
    dry_run: bool
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    opening_balances: int = 0
    errors: list[RowError] = field(default_factory=list)
    # (row, "new" | "update" | "skip") per valid row, when asked for (admin's import preview).
    outcomes: list[tuple[int, str]] | None = None

    @property
    def invalid_rows(self) -> int:
        return len({error.row for error in self.errors})


# ---------------------------------------------------------------------------------------------
# Cell values: a spreadsheet gives text, numbers, dates or booleans for any column.

CURRENCY_AFFIXES = re.compile(r"^[A-Za-z$€£¥₦₵]+\.?|[A-Za-z$€£¥₦₵]+\.?$")
GROUPING = re.compile(r"[\s\u00a0\u202f'’_]")


def cell_text(value: Any) -> str:
    """The text of a cell: whole numbers without '.0' (phones, codes), dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def cell_decimal(value: Any) -> Decimal | None:
    """A number written any common way: 1500, 1,500.50, 1.500,50, KES 1 500, (250.00); None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool | dt.date | dt.time):
        raise ValueError("Enter a number, for example 1500.50.")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = GROUPING.sub("", str(value))
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    text = CURRENCY_AFFIXES.sub("", text).strip()
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    if "," in text and "." in text:
        # The separator written last is the decimal one: 1,500.50 and 1.500,50.
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
    elif "," in text:
        head, _, tail = text.rpartition(",")
        text = text.replace(",", "") if len(tail) == 3 and head else text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("Enter a number, for example 1500.50.") from None
    if not number.is_finite():
        raise ValueError("Enter a number, for example 1500.50.")
    return -number if negative else number


def _money(value: Any) -> Decimal | None:
    number = cell_decimal(value)
    return None if number is None else number.quantize(CENT)


CHOICE_SEPARATORS = re.compile(r"[\s_-]")


@cache
def _choice_keys(choices: type[models.TextChoices]) -> dict[str, str]:
    """Each choice by its value and by its lower-case label, without separators; the first choice wins."""
    keys: dict[str, str] = {}
    for choice_value, label in choices.choices:
        keys.setdefault(CHOICE_SEPARATORS.sub("", choice_value), choice_value)
        keys.setdefault(CHOICE_SEPARATORS.sub("", str(label).lower()), choice_value)
    return keys


def _choice(value: Any, choices: type[models.TextChoices]) -> str:
    found = _choice_keys(choices).get(CHOICE_SEPARATORS.sub("", cell_text(value).lower()))
    if found is None:
        raise ValueError(f"Choose one of: {', '.join(choices.values)}.")
    return found


def _metadata(value: Any) -> dict[str, Any]:
    text = cell_text(value)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError('Write metadata as a JSON object, for example {"erp_id": "1001"}.') from None
    if not isinstance(data, dict):
        raise ValueError('Write metadata as a JSON object, for example {"erp_id": "1001"}.')
    return data


def _upper_code(value: Any) -> str:
    return cell_text(value).upper()


def _lower_code(value: Any) -> str:
    return cell_text(value).lower()


def _website(value: Any) -> str:
    text = cell_text(value)
    # As the back-office form does: a website typed without a scheme is taken as https://.
    return text if not text or "://" in text else f"https://{text}"


# ---------------------------------------------------------------------------------------------
# The organization's lookups and customers, read once per import.


class OrganizationLookups:
    """Branches by code or name and the other lookups by name, of one organization only."""

    def __init__(self, organization: Organization):
        from billing.models import PaymentTerms

        self.organization = organization
        self._models: dict[str, type[LookupBase]] = {
            "category": Category,
            "group": CustomerGroup,
            "origin": ContactOrigin,
            "finance_code": FinanceCode,
            "payment_terms": PaymentTerms,
        }
        self._cache: dict[str, dict[str, Any]] = {}
        # A file names the same few lookups on every row: each (kind, text) is resolved once.
        self._resolved: dict[tuple[str, str], tuple[Any, str | None]] = {}

    def _index(self, kind: str) -> dict[str, Any]:
        if kind not in self._cache:
            index: dict[str, Any] = {}
            if kind == "branch":
                for branch in Branch.objects.filter(organization=self.organization).order_by("pk"):
                    index.setdefault(normalize_text(branch.name), branch)
                    if branch.code.isdigit():
                        # "00" typed into a spreadsheet comes back as the number 0.
                        index.setdefault(str(int(branch.code)), branch)
                for branch in Branch.objects.filter(organization=self.organization):
                    index[branch.code.lower()] = branch
            else:
                for item in self._models[kind].objects.filter(organization=self.organization).order_by("pk"):
                    index.setdefault(normalize_text(item.name), item)
            self._cache[kind] = index
        return self._cache[kind]

    def resolve(self, kind: str, value: Any) -> Any:
        text = cell_text(value)
        known = self._resolved.get((kind, text))
        if known is None:
            try:
                known = (self._resolve(kind, text), None)
            except ValueError as exc:
                known = (None, str(exc))
            self._resolved[(kind, text)] = known
        found, refusal = known
        if refusal is not None:
            raise ValueError(refusal)
        return found

    def _resolve(self, kind: str, text: str) -> Any:
        index = self._index(kind)
        found = index.get(text.lower()) if kind == "branch" else None
        found = found or index.get(normalize_text(text))
        noun = "branch" if kind == "branch" else self._models[kind]._meta.verbose_name
        if found is None:
            raise ValueError(f"Unknown {noun} '{text}'.")
        if kind == "branch" and not found.is_active:
            raise ValueError(f"Branch '{text}' is inactive.")
        if kind != "branch" and found.is_archived:
            raise ValueError(f"The {noun} '{text}' is archived.")
        return found

    def head_office(self) -> Branch:
        return self._index("branch")[HEAD_OFFICE_CODE]


@dataclass(frozen=True)
class _Known:
    """What matching needs of an existing customer, without loading the whole row."""

    id: int
    branch_id: int
    customer_no: str
    tax_id: str
    name_key: str
    phone: str
    email: str
    country: str


class ExistingCustomers:
    """The organization's live customers, indexed by the keys an import row is matched on."""

    def __init__(self, organization: Organization):
        rows = (
            Customer.objects.alive()
            .filter(organization=organization)
            .order_by("pk")
            .values_list("pk", "branch_id", "customer_no", "tax_id", "name", "phone", "email", "country")
        )
        self.by_branch_no: dict[tuple[int, str], _Known] = {}
        self.by_no: dict[str, list[_Known]] = defaultdict(list)
        self.by_tax_id: dict[str, list[_Known]] = defaultdict(list)
        self.by_name: dict[str, list[_Known]] = defaultdict(list)
        for pk, branch_id, customer_no, tax_id, name, phone, email, country in rows.iterator(chunk_size=5000):
            known = _Known(pk, branch_id, customer_no, tax_id, normalize_text(name), phone, email, country)
            self.by_branch_no[(branch_id, customer_no)] = known
            self.by_no[customer_no].append(known)
            if tax_id:
                self.by_tax_id[tax_id].append(known)
            self.by_name[known.name_key].append(known)


# ---------------------------------------------------------------------------------------------
# Validation of one row


@dataclass
class _Plan:
    """A valid row: the fields it sets and what it will do."""

    number: int
    fields: dict[str, Any]
    existing_id: int | None
    opening_balance: Decimal | None


class _RowInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors


# The most values a field's cleaner remembers as accepted.
MAX_REMEMBERED_VALUES = 10_000


def _field_cleaner(field: models.Field) -> Callable[[Any], Any]:
    """``field.clean(value, None)`` of a model field, without its per-call machinery for plain values.

    A text or decimal value goes through the field's choices and validators directly (length,
    null characters, patterns and bounds compared inline, any other validator called); when one
    refuses, or the value or field is of another kind, ``field.clean`` itself runs, so the value
    kept and the messages given are always the field's own.
    """
    field_type = type(field)
    plain = (
        field_type.clean is models.Field.clean
        and field_type.validate is models.Field.validate
        and field_type.run_validators is models.Field.run_validators
        and field.editable
    )
    if plain and field_type.to_python is models.CharField.to_python:
        python_type: type = str
    elif plain and field_type.to_python is models.DecimalField.to_python:
        python_type = Decimal
    else:
        return lambda value: field.clean(value, None)

    tests: list[Callable[[Any], bool]] = []
    if python_type is Decimal:
        tests.append(lambda value: value.is_finite())
    if field.choices is not None:
        keys = frozenset(key for key, _ in field.flatchoices)
        tests.append(keys.__contains__)
    max_length = None
    for validator in field.validators:
        limit = getattr(validator, "limit_value", None)
        validator_type = type(validator)
        if validator_type is MaxLengthValidator and isinstance(limit, int) and max_length is None:
            max_length = limit
        elif validator_type is ProhibitNullCharactersValidator:
            tests.append(lambda value: "\x00" not in value)
        elif validator_type is MinValueValidator and isinstance(limit, Decimal):
            tests.append(lambda value, limit=limit: not value < limit)
        elif validator_type is MaxValueValidator and isinstance(limit, Decimal):
            tests.append(lambda value, limit=limit: not value > limit)
        elif validator_type is RegexValidator:
            # The compiled pattern itself: the validator's is a lazy object, slow to reach per value.
            regex = re.compile(validator.regex.pattern, validator.regex.flags)
            if validator.inverse_match:
                tests.append(lambda value, regex=regex: regex.search(value) is None)
            else:
                tests.append(lambda value, regex=regex: regex.search(value) is not None)
        elif validator is validate_email:
            tests.append(is_valid_email)
        else:
            tests.append(partial(_accepts, validator))

    if python_type is str and max_length is not None:
        if not tests:

            def clean_short_text(value: Any) -> Any:
                if type(value) is str and value and len(value) <= max_length:
                    return value
                return field.clean(value, None)

            return clean_short_text

        if len(tests) == 1:
            (test,) = tests

            def clean_text(value: Any) -> Any:
                if type(value) is str and value and len(value) <= max_length and test(value):
                    return value
                return field.clean(value, None)

            return clean_text

        def clean_limited_text(value: Any) -> Any:
            if type(value) is str and value and len(value) <= max_length and all(test(value) for test in tests):
                return value
            return field.clean(value, None)

        return clean_limited_text

    if python_type is Decimal:
        # Amounts repeat (discounts, credit limits): each one, digits and exponent alike, is judged once.
        accepted: set[tuple] = set()

        def clean_decimal(value: Any) -> Any:
            if type(value) is Decimal:
                key = value.as_tuple()
                if key in accepted:
                    return value
                if all(test(value) for test in tests):
                    if len(accepted) < MAX_REMEMBERED_VALUES:
                        accepted.add(key)
                    return value
            return field.clean(value, None)

        return clean_decimal

    def clean(value: Any) -> Any:
        if (
            type(value) is python_type
            and value not in EMPTY_VALUES
            and (max_length is None or len(value) <= max_length)
            and all(test(value) for test in tests)
        ):
            return value
        return field.clean(value, None)

    return clean


def _accepts(validator: Callable[[Any], None], value: Any) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


class _Validator:
    def __init__(self, *, organization: Organization, lookups: OrganizationLookups, defaults: Mapping[str, Any] | None):
        self.organization = organization
        self.lookups = lookups
        self.defaults = {key: value for key, value in (defaults or {}).items() if value is not None}
        self.existing = ExistingCustomers(organization)
        self.claimed: dict[Any, int] = {}  # identity of a customer -> the first row that wrote it
        self.model_fields = {name: _field_cleaner(Customer._meta.get_field(name)) for name in MODEL_CHECKED_FIELDS}
        self.parsers = self._parsers()
        self.parsed_texts: dict[tuple[str, str], tuple[Any, str | None]] = {}
        # organization_scope_errors of each lookup object met, by field (the same few on every row).
        self.scope_errors: dict[tuple[str, int], tuple[Any, dict[str, list[str]]]] = {}

    def _parsers(self) -> dict[str, Callable[[Any], Any]]:
        """How each importable column's cell becomes a value (ValueError: the cell's message)."""
        parsers: dict[str, Callable[[Any], Any]] = dict.fromkeys(TEXT_FIELDS, cell_text)
        parsers["website"] = _website
        parsers.update(dict.fromkeys(UPPER_CODE_FIELDS, _upper_code))
        parsers.update(dict.fromkeys(LOWER_CODE_FIELDS, _lower_code))
        parsers.update({name: partial(_choice, choices=choices) for name, choices in CHOICE_FIELDS.items()})
        parsers.update(dict.fromkeys(DECIMAL_FIELDS, _money))
        parsers["metadata"] = _metadata
        parsers.update({name: partial(self.lookups.resolve, name) for name in LOOKUP_FIELDS})
        return parsers

    def _parse_text(self, name: str, text: str) -> Any:
        """The value of a choice or lookup column's (stripped) text; each text is parsed once per import."""
        known = self.parsed_texts.get((name, text))
        if known is None:
            try:
                known = (self.parsers[name](text), None)
            except ValueError as exc:
                known = (None, str(exc))
            self.parsed_texts[(name, text)] = known
        value, refusal = known
        if refusal is not None:
            raise ValueError(refusal)
        return value

    def _parse(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
        fields: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        parsers = self.parsers
        for name, raw in values.items():
            parse = parsers.get(name)
            if parse is None:
                errors[name] = ["This column cannot be imported."]
                continue
            if raw is None:
                continue  # an empty cell sets nothing: defaults on create, the current value on update
            if type(raw) is str:
                text = raw.strip()
                if not text:
                    continue
                if parse is cell_text:
                    fields[name] = text
                    continue
                if parse is _upper_code:
                    fields[name] = text.upper()
                    continue
                if parse is _lower_code:
                    fields[name] = text.lower()
                    continue
                if name in REPEATED_TEXT_FIELDS:
                    # The stripped text is what cell_text, where each of these parsers starts, gives them.
                    try:
                        value = self._parse_text(name, text)
                    except ValueError as exc:
                        errors[name] = [str(exc)]
                    else:
                        if value is not None and value != "":
                            fields[name] = value
                    continue
            elif isinstance(raw, CellError):
                errors[name] = [f"The cell shows the spreadsheet error {raw}; enter a value instead."]
                continue
            elif isinstance(raw, str) and not raw.strip():
                continue
            try:
                value = parse(raw)
            except ValueError as exc:
                errors[name] = [str(exc)]
                continue
            if value is not None and value != "":
                fields[name] = value
        return fields, errors

    def _scope_errors(self, fields: dict[str, Any]) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for name in LOOKUP_FIELDS:
            value = fields.get(name)
            if value is None:
                continue
            known = self.scope_errors.get((name, id(value)))
            if known is None:
                # The object is kept with its verdict, so its id is not reused meanwhile.
                known = (value, organization_scope_errors({name: value}, organization_id=self.organization.pk))
                self.scope_errors[(name, id(value))] = known
            errors.update(known[1])
        return errors

    def _match(self, fields: dict[str, Any], number: int) -> tuple[_Known | None, Any]:
        """The existing customer the row updates (or None) and the identity it claims in the file."""
        existing = self.existing
        branch = fields.get("branch")
        customer_no = fields.get("customer_no")
        if customer_no:
            if branch is not None:
                return existing.by_branch_no.get((branch.pk, customer_no)), ("no", branch.pk, customer_no)
            candidates = existing.by_no.get(customer_no, [])
            if len(candidates) > 1:
                head_office = self.lookups.head_office().pk
                candidates = [known for known in candidates if known.branch_id == head_office]
                if len(candidates) != 1:
                    raise _RowInvalid(
                        {"customer_no": ["This number exists in several branches; add a Branch column to choose."]}
                    )
            known = candidates[0] if candidates else None
            home = known.branch_id if known else self.lookups.head_office().pk
            return known, ("no", home, customer_no)
        tax_id = fields.get("tax_id")
        if tax_id:
            candidates = existing.by_tax_id.get(tax_id, [])
            if len(candidates) > 1:
                raise _RowInvalid(
                    {"tax_id": ["Several customers have this tax ID; add a Customer No column to choose."]}
                )
            return (candidates[0] if candidates else None), ("tax_id", tax_id)
        # Neither number nor tax ID: the same name with the same phone and email (those given).
        name_key = normalize_text(fields.get("name", ""))
        phone, email = fields.get("phone"), fields.get("email")
        for known in existing.by_name.get(name_key, []):
            if ("id", known.id) in self.claimed:
                continue
            if (phone is None or known.phone == phone) and (email is None or known.email == email):
                return known, ("id", known.id)
        return None, ("row", number)

    def _checked(self, fields: dict[str, Any], country: str) -> dict[str, list[str]]:
        """Normalize ``fields`` in place for ``country``, then run the model's own field validators."""
        errors = normalize_customer_values(fields, country=country)
        self._clean_model_fields(fields, errors)
        return errors

    def _clean_model_fields(self, fields: dict[str, Any], errors: dict[str, list[str]]) -> None:
        """The model's own field validators, as full_clean runs them in customer_create."""
        cleaners = self.model_fields
        for name, value in fields.items():
            clean = cleaners.get(name)
            if clean is not None and name not in errors:
                try:
                    fields[name] = clean(value)
                except ValidationError as exc:
                    errors[name] = exc.messages

    def validate(self, row: ImportRow) -> _Plan:
        fields, errors = self._parse(row.values)
        for name, value in self.defaults.items():
            fields.setdefault(name, value)
        opening_balance = fields.pop(OPENING_BALANCE, None)
        if opening_balance is not None and opening_balance < 0:
            errors[OPENING_BALANCE] = ["An opening balance cannot be negative."]
        if opening_balance == ZERO:
            opening_balance = None
        errors.update(self._scope_errors(fields))
        # Numbers, tax IDs, phones and emails are stored normalized, so they are matched normalized.
        given = dict(fields)
        country = fields.get("country") or self.organization.country
        checked = self._checked(fields, country)
        # A tax ID or phone may be wrong for the organization's country yet right for the country of
        # the customer the row updates: those wait for the match.
        waits = "country" not in fields and set(checked) <= COUNTRY_BOUND_FIELDS
        if errors or (checked and not waits):
            raise _RowInvalid({**errors, **checked})

        known, identity = self._match(
            {name: value for name, value in fields.items() if name not in checked}, row.number
        )
        if known is not None and "country" not in fields and known.country != country:
            fields = dict(given)
            checked = self._checked(fields, known.country)
        if checked:
            raise _RowInvalid(checked)
        if known is None and not fields.get("name"):
            raise _RowInvalid({"name": ["This field is required for a new customer."]})
        first = self.claimed.get(identity) or (self.claimed.get(("id", known.id)) if known is not None else None)
        if first is not None:
            raise _RowInvalid({_identity_field(identity): [f"Row {first} already imports this customer."]})
        self.claimed[identity] = row.number
        if known is not None:
            self.claimed[("id", known.id)] = row.number
        return _Plan(row.number, fields, known.id if known else None, opening_balance)


def _tally(result: ImportResult, number: int, outcome: str) -> None:
    if outcome == "new":
        result.created += 1
    elif outcome == "update":
        result.updated += 1
    else:
        result.unchanged += 1
    if result.outcomes is not None:
        result.outcomes.append((number, outcome))


def _identity_field(identity: tuple) -> str:
    return {"no": "customer_no", "tax_id": "tax_id"}.get(identity[0], "name")


# ---------------------------------------------------------------------------------------------
# Writing a batch


class _Writer:
    def __init__(
        self,
        *,
        organization: Organization,
        actor: AbstractBaseUser | None,
        source: str,
        lookups: OrganizationLookups,
        explicit_numbers: frozenset[str],
        description: str,
        dry_run: bool,
        api_key: ApiKey | None = None,
        request_id: str = "",
    ):
        self.organization = organization
        self.actor = actor if actor is not None and actor.is_authenticated else None
        # The history rows are written here, not by simple-history's signal: they carry the key and
        # the request (the current request's, unless given) as every other write's rows do.
        context = request_context()
        self.history_context = {
            "history_api_key": api_key if api_key is not None else context["history_api_key"],
            "history_request_id": request_id or context["history_request_id"],
        }
        self.source = CustomerSource(source)
        self.lookups = lookups
        self.explicit_numbers = explicit_numbers
        self.description = description
        self.dry_run = dry_run
        self.now = timezone.now()
        # Every column of a new customer at its model default (balances zero, status active, ...).
        self.customer_defaults = {
            field.attname: field.get_default() for field in Customer._meta.concrete_fields if not field.primary_key
        }
        self.columns = ["id", *self.customer_defaults]
        self.position = {name: index for index, name in enumerate(self.columns)}
        self.adapters = dict(zip(self.columns, column_adapters(Customer, self.columns), strict=True))

    def run(self, plans: list[_Plan], result: ImportResult) -> None:
        if self.dry_run:
            self._count(plans, result)
            return
        try:
            with transaction.atomic():
                self._write(plans, result)
        except IntegrityError as exc:
            # Only a concurrent writer can break a constraint here: the rows were checked against
            # the data as it was when the import started.
            raise Conflict(
                "Customers of this file were created or changed by someone else while it was imported; "
                "import the file again (rows already saved are recognised and not duplicated)."
            ) from exc

    def _load(self, plans: list[_Plan], *, lock: bool) -> dict[int, dict[str, Any]]:
        """The compared columns of the customers the batch matched, by id (only those still there)."""
        ids = sorted(plan.existing_id for plan in plans if plan.existing_id is not None)
        if not ids:
            return {}
        customers = Customer.objects.filter(pk__in=ids).order_by("pk")
        if lock:
            # In primary-key order, as every writer that locks several customers takes them.
            customers = customers.select_for_update()
        return {values["id"]: values for values in customers.values(*COMPARED_COLUMNS)}

    @staticmethod
    def _changes(current: dict[str, Any], fields: dict[str, Any]) -> list[str]:
        changed = []
        for name, value in fields.items():
            if name in LOOKUP_FIELDS:
                if current[f"{name}_id"] != value.pk:
                    changed.append(name)
            elif current[name] != value:
                changed.append(name)
        return changed

    def _with_opening_balance(self, customer_ids: list[int]) -> set[int]:
        from transactions.models import Transaction, TransactionStatus, TransactionType

        return set(
            Transaction.objects.filter(customer_id__in=customer_ids, type=TransactionType.OPENING_BALANCE)
            .exclude(status=TransactionStatus.VOID)
            .values_list("customer_id", flat=True)
        )

    def _count(self, plans: list[_Plan], result: ImportResult) -> None:
        current = self._load(plans, lock=False)
        having_balance = self._with_opening_balance(list(current))
        for plan in plans:
            customer = current.get(plan.existing_id) if plan.existing_id is not None else None
            adds_balance = plan.opening_balance is not None and (
                customer is None or customer["id"] not in having_balance
            )
            result.opening_balances += adds_balance
            if customer is None:
                outcome = "new"
            elif adds_balance or self._changes(customer, plan.fields):
                outcome = "update"
            else:
                outcome = "skip"
            _tally(result, plan.number, outcome)

    def _new_rows(self, plans: list[_Plan], result: ImportResult) -> list[list[Any]]:
        """The rows (values of self.columns, as the database takes them) of the customers the batch creates.

        Each is filled as customer_create fills a customer; the ids are reserved here.
        """
        numbers = iter(
            reserve_customer_numbers(
                organization=self.organization,
                count=sum(1 for plan in plans if not plan.fields.get("customer_no")),
                avoid=self.explicit_numbers,
            )
        )
        ids = iter(reserve_ids(Customer, len(plans)))
        head_office = self.lookups.head_office()
        actor_id = self.actor.pk if self.actor is not None else None
        values = {
            **self.customer_defaults,
            "organization_id": self.organization.pk,
            "branch_id": head_office.pk,
            "country": self.organization.country,
            "currency": self.organization.base_currency,
            "source": self.source.value,
            "created_by_id": actor_id,
            "updated_by_id": actor_id,
            "created_at": self.now,
            "updated_at": self.now,
            "metadata": {},
        }
        adapters = self.adapters
        base = [None, *((value if adapters[name] is None else adapters[name](value)) for name, value in values.items())]
        position = self.position
        # Where each importable field goes, and what the database takes for its value.
        targets = {
            name: (position[f"{name}_id"], None) if name in LOOKUP_FIELDS else (position[name], adapters[name])
            for name in MODEL_CHECKED_FIELDS | set(LOOKUP_FIELDS)
        }
        at_id, at_uid, at_number = position["id"], position["uid"], position["customer_no"]
        adapt_uid = adapters["uid"]
        opening = [position[name] for name in ("total_debit", "balance")]
        at_count, at_last, at_booked = (
            position["total_transactions"],
            position["last_transaction_at"],
            position["used_in_booked"],
        )
        adapt_amount = adapters["total_debit"]
        last_transaction_at = adapters["last_transaction_at"](self.now)
        rows = []
        for plan in plans:
            row = base.copy()
            row[at_id] = next(ids)
            uid = uuid.uuid4()
            row[at_uid] = uid if adapt_uid is None else adapt_uid(uid)
            for name, value in plan.fields.items():
                index, adapt = targets[name]
                if name in LOOKUP_FIELDS:
                    row[index] = value.pk
                else:
                    row[index] = value if adapt is None else adapt(value)
            if not row[at_number]:
                row[at_number] = next(numbers)
            if plan.opening_balance is not None:
                # The totals transaction_record leaves after one successful debit.
                amount = adapt_amount(plan.opening_balance) if adapt_amount else plan.opening_balance
                for index in opening:
                    row[index] = amount
                row[at_count] = 1
                row[at_last] = last_transaction_at
                row[at_booked] = True
            rows.append(row)
            _tally(result, plan.number, "new")
        return rows

    def _insert_new(self, rows: list[list[Any]]) -> None:
        """Insert the new customers and their first history rows."""
        if not rows:
            return
        insert_rows(Customer, self.columns, rows, adapted=True)
        history = Customer.history.model
        tracked = [field.attname for field in history.tracked_fields]
        # History fields are the customer's own: their values are taken as the customer row holds them.
        pick = itemgetter(*(self.position[name] for name in tracked))
        actor_id = self.actor.pk if self.actor is not None else None
        audit = self._history_audit("+", actor_id)
        insert_rows(history, [*tracked, *HISTORY_AUDIT_COLUMNS], [pick(row) + audit for row in rows], adapted=True)

    def _history_audit(self, history_type: str, user_id: int | None) -> tuple:
        """The values of HISTORY_AUDIT_COLUMNS of this import's history rows, as the database takes them."""
        api_key = self.history_context["history_api_key"]
        (adapt_date,) = column_adapters(Customer.history.model, ["history_date"])
        return (
            self.now if adapt_date is None else adapt_date(self.now),
            "Import",
            history_type,
            user_id,
            api_key.pk if api_key is not None else None,
            self.history_context["history_request_id"],
        )

    def _update_existing(self, customers: list[Customer], fields: list[str]) -> None:
        """Save ``fields`` of ``customers`` and add their history rows, as bulk_update and bulk_history_create do."""
        attnames = [Customer._meta.get_field(name).attname for name in fields]
        update_rows(Customer, attnames, ([*(getattr(c, name) for name in attnames), c.pk] for c in customers))
        history = Customer.history.model
        tracked = [field.attname for field in history.tracked_fields]
        adapters = column_adapters(history, tracked)
        audits: dict[int | None, tuple] = {}
        rows = []
        for customer in customers:
            # The user bulk_history_create records: the instance's own, else the actor, else the request's.
            user = getattr(customer, "_history_user", self.actor or history.get_default_history_user(customer))
            user_id = user.pk if user is not None else None
            audit = audits.get(user_id) or audits.setdefault(user_id, self._history_audit("~", user_id))
            values = [getattr(customer, name) for name in tracked]
            adapted = tuple(
                value if adapt is None else adapt(value) for value, adapt in zip(values, adapters, strict=True)
            )
            rows.append(adapted + audit)
        insert_rows(history, [*tracked, *HISTORY_AUDIT_COLUMNS], rows, adapted=True)

    def _index_new(self, rows: list[list[Any]]) -> None:
        """Search rows of the new customers, the rows search_index_refresh would build for them.

        A customer created here has no contacts, billing entities or references yet, so its index
        rows come from its own fields alone.
        """
        position = self.position
        pick = itemgetter(*(position[name] for name in CUSTOMER_FIELDS))
        documents, keys = index_rows(IndexedCustomer(*pick(row)) for row in rows)
        insert_rows(CustomerSearchDocument, DOCUMENT_COLUMNS, documents, adapted=True)
        insert_rows(CustomerSearchKey, KEY_COLUMNS, keys, adapted=True)

    def _write(self, plans: list[_Plan], result: ImportResult) -> None:
        from transactions.models import Transaction, TransactionStatus, TransactionType

        current = self._load(plans, lock=True)
        having_balance = self._with_opening_balance(list(current))
        new_plans = [plan for plan in plans if plan.existing_id is None or plan.existing_id not in current]
        new_rows = self._new_rows(new_plans, result)

        changes: dict[int, tuple[_Plan, list[str]]] = {}
        # (customer id, its branch and currency once the row is applied, the opening balance)
        raised: list[tuple[int, int, str, Decimal]] = []
        for plan in plans:
            values = current.get(plan.existing_id) if plan.existing_id is not None else None
            if values is None:
                continue
            changed = self._changes(values, plan.fields)
            if changed:
                changes[values["id"]] = (plan, changed)
            adds_balance = plan.opening_balance is not None and values["id"] not in having_balance
            if adds_balance:
                branch_id = plan.fields["branch"].pk if "branch" in changed else values["branch_id"]
                currency = plan.fields["currency"] if "currency" in changed else values["currency"]
                raised.append((values["id"], branch_id, currency, plan.opening_balance))
            _tally(result, plan.number, "update" if changed or adds_balance else "skip")
        updated: list[Customer] = []
        updated_fields: set[str] = set()
        # Only the customers that change are loaded whole: their saves and history rows need every field.
        for customer in Customer.objects.filter(pk__in=sorted(changes)).order_by("pk") if changes else ():
            plan, changed = changes[customer.pk]
            for name in changed:
                setattr(customer, name, plan.fields[name])
            customer.updated_by = self.actor
            customer.updated_at = self.now
            updated.append(customer)
            updated_fields.update(changed)

        self._insert_new(new_rows)
        if updated:
            self._update_existing(updated, sorted(updated_fields | {"updated_by", "updated_at"}))
        self._raise_balances(raised)
        new_balances = [plan.opening_balance for plan in new_plans]
        at_id, at_branch, at_currency = (self.position[name] for name in ("id", "branch_id", "currency"))
        entries = [
            (row[at_id], row[at_branch], row[at_currency], amount)
            for row, amount in zip(new_rows, new_balances, strict=True)
            if amount is not None
        ] + raised
        actor_id = self.actor.pk if self.actor is not None else None
        insert_rows(
            Transaction,
            TRANSACTION_COLUMNS,
            (
                [
                    uuid.uuid4(),
                    self.organization.pk,
                    branch_id,
                    customer_id,
                    TransactionType.OPENING_BALANCE.value,
                    "",
                    self.now,
                    currency,
                    amount,
                    ZERO,
                    TransactionStatus.SUCCESS.value,
                    None,
                    self.description,
                    self.now,
                    actor_id,
                    None,
                    None,
                ]
                for customer_id, branch_id, currency, amount in entries
            ),
        )
        self._index_new(new_rows)
        search_index_refresh(customer_ids=[customer.pk for customer in updated])
        result.opening_balances += len(entries)

    def _raise_balances(self, raised: list[tuple[int, int, str, Decimal]]) -> None:
        """Add an opening balance to existing customers' totals with F(), as transaction_record does."""
        for start in range(0, len(raised), 500):
            chunk = raised[start : start + 500]
            amount = Case(
                *[When(pk=customer_id, then=Value(value)) for customer_id, _, _, value in chunk],
                output_field=models.DecimalField(max_digits=18, decimal_places=2),
            )
            Customer.objects.filter(pk__in=[customer_id for customer_id, *_ in chunk]).update(
                total_debit=to_cents(F("total_debit") + amount),
                balance=to_cents(F("balance") + amount),
                total_transactions=F("total_transactions") + 1,
                used_in_booked=Value(True),
                # Coalesce first: SQLite's MAX() of a NULL and a time is NULL.
                last_transaction_at=Greatest(Coalesce(F("last_transaction_at"), Value(self.now)), Value(self.now)),
            )


# ---------------------------------------------------------------------------------------------


def customer_bulk_upsert(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    rows: Iterable[ImportRow],
    source: str = CustomerSource.IMPORT,
    defaults: Mapping[str, Any] | None = None,
    mode: str = ImportMode.ALL_OR_NOTHING,
    dry_run: bool = False,
    batch_size: int | None = None,
    description: str = "Opening balance (import)",
    progress: Callable[[int], None] | None = None,
    record_outcomes: bool = False,
    api_key: ApiKey | None = None,
    request_id: str = "",
) -> ImportResult:
    """Create or update the customers of ``rows``; the result counts what was (or would be) done.

    A row updates the live customer with its customer_no (in its branch), else with its tax ID,
    else with the same name, phone and email; otherwise it creates one. Empty cells change
    nothing. ``defaults`` (branch, category) apply to rows without their own value. An opening
    balance is recorded once per customer: a customer that already has one keeps it.

    ``all_or_nothing`` validates every row before writing any; ``skip_invalid`` writes the valid
    rows. Each batch is written in its own database transaction and reported to ``progress``
    (rows done), so an interrupted import leaves whole batches behind, never half a batch.

    History rows record ``actor``, and ``api_key`` and ``request_id`` (by default those of the
    request being served, as for every other write).
    """
    mode = ImportMode(mode)
    batch_size = batch_size or IMPORT_BATCH_SIZE
    lookups = OrganizationLookups(organization)
    validator = _Validator(organization=organization, lookups=lookups, defaults=defaults)
    result = ImportResult(mode=mode, dry_run=dry_run, outcomes=[] if record_outcomes else None)
    plans: list[_Plan] = []
    for row in rows:
        result.total_rows += 1
        try:
            plans.append(validator.validate(row))
        except _RowInvalid as invalid:
            result.errors.extend(
                RowError(row=row.number, field=name, message=message)
                for name, messages in invalid.errors.items()
                for message in messages
            )
    if result.errors and mode == ImportMode.ALL_OR_NOTHING:
        result.skipped = result.total_rows
        return result
    result.skipped = result.invalid_rows

    writer = _Writer(
        organization=organization,
        actor=actor,
        source=source,
        lookups=lookups,
        explicit_numbers=frozenset(plan.fields["customer_no"] for plan in plans if plan.fields.get("customer_no")),
        description=description,
        dry_run=dry_run,
        api_key=api_key,
        request_id=request_id,
    )
    done = 0
    for start in range(0, len(plans), batch_size):
        batch = plans[start : start + batch_size]
        writer.run(batch, result)
        done += len(batch)
        if progress is not None:
            progress(done)
    return result
