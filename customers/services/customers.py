"""Writes of customers and their bank accounts: the only code that saves these models."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import HEAD_OFFICE_CODE, Branch, Organization
from core.concurrency import version_check
from core.exceptions import DuplicateCustomerNumber, InvalidState

from ..models import (
    BankAccount,
    Category,
    ContactOrigin,
    Customer,
    CustomerGroup,
    CustomerSource,
    CustomerStatus,
    FinanceCode,
)
from ..search import search_index_refresh
from ..validators import (
    normalize_email,
    normalize_iban,
    normalize_phone,
    normalize_tax_id,
    normalize_vat_number,
)

# Fields a caller may set; balances, audit columns and the organization are never taken from input.
CUSTOMER_EDITABLE_FIELDS = frozenset(
    {
        "branch",
        "customer_no",
        "name",
        "legal_name",
        "alias",
        "type",
        "status",
        "tax_id",
        "registration_number",
        "vat_number",
        "ean_number",
        "country",
        "language",
        "currency",
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
        "category",
        "group",
        "finance_code",
        "origin",
        "invoice_attention",
        "invoice_email",
        "credit_limit",
        "vat_zone",
        "payment_terms",
        "discount_percent",
        "metadata",
    }
)
# Foreign keys that must belong to the customer's organization.
ORGANIZATION_SCOPED_FIELDS = ("branch", "category", "group", "finance_code", "origin", "payment_terms")
GENERATED_NUMBER_PREFIX = "CUST"
# Values _normalize may rewrite into their stored form.
NORMALIZED_FIELDS = (
    "tax_id",
    "vat_number",
    "phone",
    "contact_phone",
    "email",
    "invoice_email",
    "customer_no",
    "name",
    "metadata",
)


def _lookup_models() -> dict[str, type]:
    from billing.models import PaymentTerms

    return {
        "branch": Branch,
        "category": Category,
        "group": CustomerGroup,
        "finance_code": FinanceCode,
        "origin": ContactOrigin,
        "payment_terms": PaymentTerms,
    }


def _check_unknown_fields(data: dict[str, Any]) -> None:
    unknown = set(data) - CUSTOMER_EDITABLE_FIELDS
    if unknown:
        raise ValidationError({field: ["This field cannot be set."] for field in sorted(unknown)})


def organization_scope_errors(values: dict[str, Any], *, organization_id: int) -> dict[str, list[str]]:
    """Errors for lookups in ``values`` that are not rows of the organization (as if they did not exist)."""
    models = _lookup_models()
    errors = {}
    for field, value in values.items():
        if field not in ORGANIZATION_SCOPED_FIELDS or value is None:
            continue
        if not isinstance(value, models[field]) or value.organization_id != organization_id:
            errors[field] = [f"Unknown {field.replace('_', ' ')}."]
    return errors


def _check_same_organization(customer: Customer, fields: list[str]) -> None:
    """Reject a lookup of another organization exactly like one that does not exist."""
    values = {field: getattr(customer, field) for field in fields if field in ORGANIZATION_SCOPED_FIELDS}
    errors = organization_scope_errors(values, organization_id=customer.organization_id)
    if errors:
        raise ValidationError(errors)


def normalize_customer_values(values: dict[str, Any], *, country: str) -> dict[str, list[str]]:
    """Rewrite the identifiers and contact data in ``values`` into their stored forms, in place.

    Only the keys present are touched; tax IDs and phones are judged by ``country``. Returns every
    field's errors (empty when all are valid). The single-customer services and the bulk importer
    both go through here, so a value is accepted or refused the same way by every front door.
    """
    errors: dict[str, list[str]] = {}
    normalizers = {
        "tax_id": lambda value: normalize_tax_id(value, country),
        "vat_number": normalize_vat_number,
        "phone": lambda value: normalize_phone(value, country),
        "contact_phone": lambda value: normalize_phone(value, country),
        "email": normalize_email,
        "invoice_email": normalize_email,
    }
    for field, normalize in normalizers.items():
        if field not in values:
            continue
        try:
            values[field] = normalize(values[field] or "")
        except ValidationError as exc:
            errors[field] = exc.messages
    for field in ("customer_no", "name"):
        if field in values:
            values[field] = (values[field] or "").strip()
    if "metadata" in values and values["metadata"] is None:
        values["metadata"] = {}
    return errors


def _normalize(customer: Customer) -> None:
    """Bring identifiers and contact data to their stored forms, collecting every field's error."""
    values = {field: getattr(customer, field) for field in NORMALIZED_FIELDS}
    errors = normalize_customer_values(values, country=customer.country)
    for field, value in values.items():
        if field not in errors:
            setattr(customer, field, value)
    if errors:
        raise ValidationError(errors)


def _next_customer_no(organization: Organization) -> str:
    # The UPDATE takes the organization row's lock, so concurrent creates draw distinct numbers;
    # numbers already taken (by an import, say) are skipped.
    while True:
        Organization.objects.filter(pk=organization.pk).update(customer_number_seq=F("customer_number_seq") + 1)
        sequence = Organization.objects.values_list("customer_number_seq", flat=True).get(pk=organization.pk)
        candidate = f"{GENERATED_NUMBER_PREFIX}{sequence:06d}"
        if not Customer.objects.alive().filter(organization=organization, customer_no=candidate).exists():
            return candidate


def reserve_customer_numbers(
    *, organization: Organization, count: int, avoid: frozenset[str] = frozenset()
) -> list[str]:
    """``count`` generated numbers drawn in one step, as _next_customer_no draws one.

    Numbers already taken by a live customer, or listed in ``avoid`` (the numbers an import file
    gives explicitly), are skipped and replaced by further ones.
    """
    numbers: list[str] = []
    while len(numbers) < count:
        wanted = count - len(numbers)
        Organization.objects.filter(pk=organization.pk).update(customer_number_seq=F("customer_number_seq") + wanted)
        last = Organization.objects.values_list("customer_number_seq", flat=True).get(pk=organization.pk)
        candidates = [f"{GENERATED_NUMBER_PREFIX}{sequence:06d}" for sequence in range(last - wanted + 1, last + 1)]
        taken = set(
            Customer.objects.alive()
            .filter(organization=organization, customer_no__in=candidates)
            # Without the default ordering by name, SQLite looks the candidates up by number
            # instead of walking the organization's names.
            .order_by()
            .values_list("customer_no", flat=True)
        )
        numbers += [candidate for candidate in candidates if candidate not in taken and candidate not in avoid]
    return numbers


def _check_customer_no_free(customer: Customer) -> None:
    taken = (
        Customer.objects.alive()
        .filter(
            organization_id=customer.organization_id, branch_id=customer.branch_id, customer_no=customer.customer_no
        )
        .exclude(pk=customer.pk)
        .exists()
    )
    if taken:
        raise DuplicateCustomerNumber()


def _save(customer: Customer, *, update_fields: list[str] | None = None) -> None:
    # Constraints are checked by the database, not by full_clean: a clash on customer_no must be
    # a 409 with its own message, and the race between two requests is only settled there.
    customer.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            customer.save(update_fields=update_fields)
    except IntegrityError as exc:
        if "customer_no" in str(exc) or "customer_no_unique" in str(exc):
            raise DuplicateCustomerNumber() from exc
        raise


@transaction.atomic
def customer_create(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None = None,
    source: str = CustomerSource.UI,
    bank_accounts: list[dict[str, Any]] | None = None,
    **data: Any,
) -> Customer:
    _check_unknown_fields(data)
    customer = Customer(organization=organization, source=CustomerSource(source), **data)
    if customer.branch_id is None:
        customer.branch = Branch.objects.get(organization=organization, code=HEAD_OFFICE_CODE)
    customer.country = (customer.country or organization.country).upper()
    customer.currency = (customer.currency or organization.base_currency).upper()
    _check_same_organization(customer, list(ORGANIZATION_SCOPED_FIELDS))
    _normalize(customer)
    if customer.customer_no:
        _check_customer_no_free(customer)
    else:
        customer.customer_no = _next_customer_no(organization)
    if actor is not None and actor.is_authenticated:
        customer.created_by = customer.updated_by = actor
        customer._history_user = actor
    _save(customer)
    for account in bank_accounts or []:
        bank_account_create(customer=customer, actor=actor, **account)
    search_index_refresh(customer_ids=[customer.pk])
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    actor: AbstractBaseUser | None = None,
    expected_updated_at: datetime | None = None,
    **data: Any,
) -> Customer:
    """Change only the given fields; identifiers are re-checked when their country changes.

    ``expected_updated_at`` is the version the caller edited: a customer changed since answers
    PreconditionFailed instead of overwriting the other change.
    """
    _check_unknown_fields(data)
    if customer.is_deleted:
        raise InvalidState("A deleted customer cannot be changed.")
    version_check(instance=customer, expected_updated_at=expected_updated_at, noun="customer")
    for field, value in data.items():
        setattr(customer, field, value)
    if "country" in data:
        customer.country = (customer.country or customer.organization.country).upper()
    if "currency" in data:
        customer.currency = (customer.currency or customer.organization.base_currency).upper()
    _check_same_organization(customer, list(data))
    given = {field: getattr(customer, field) for field in NORMALIZED_FIELDS}
    _normalize(customer)
    rewritten = {field for field in NORMALIZED_FIELDS if getattr(customer, field) != given[field]}
    if {"customer_no", "branch"} & set(data):
        _check_customer_no_free(customer)
    if actor is not None and actor.is_authenticated:
        customer.updated_by = actor
        customer._history_user = actor
    # Only the columns this call changes: the balances move with F() in transactions.services, and
    # writing back a stale instance's totals (or another editor's fields) would undo those changes.
    _save(customer, update_fields=sorted(set(data) | rewritten | {"updated_by", "updated_at"}))
    search_index_refresh(customer_ids=[customer.pk])
    return customer


def _set_status(customer: Customer, status: str, actor: AbstractBaseUser | None) -> Customer:
    if customer.is_deleted:
        raise InvalidState("A deleted customer cannot be changed.")
    if customer.status != status:
        customer.status = status
        if actor is not None and actor.is_authenticated:
            customer.updated_by = actor
            customer._history_user = actor
        customer.save(update_fields=["status", "updated_by", "updated_at"])
    return customer


@transaction.atomic
def customer_archive(*, customer: Customer, actor: AbstractBaseUser | None = None) -> Customer:
    return _set_status(customer, CustomerStatus.ARCHIVED, actor)


@transaction.atomic
def customer_unarchive(*, customer: Customer, actor: AbstractBaseUser | None = None) -> Customer:
    if customer.status != CustomerStatus.ARCHIVED:
        return customer
    return _set_status(customer, CustomerStatus.ACTIVE, actor)


@transaction.atomic
def customer_block(*, customer: Customer, actor: AbstractBaseUser | None = None) -> Customer:
    if customer.status == CustomerStatus.ARCHIVED:
        raise InvalidState("An archived customer cannot be blocked; unarchive it first.", field="status")
    return _set_status(customer, CustomerStatus.BLOCKED, actor)


@transaction.atomic
def customer_unblock(*, customer: Customer, actor: AbstractBaseUser | None = None) -> Customer:
    if customer.status != CustomerStatus.BLOCKED:
        return customer
    return _set_status(customer, CustomerStatus.ACTIVE, actor)


@transaction.atomic
def customer_soft_delete(
    *, customer: Customer, actor: AbstractBaseUser | None = None, expected_updated_at: datetime | None = None
) -> Customer:
    """Hide the customer everywhere while its ledger stays; its customer_no becomes free again."""
    if customer.is_deleted:
        return customer
    version_check(instance=customer, expected_updated_at=expected_updated_at, noun="customer")
    customer.deleted_at = timezone.now()
    if actor is not None and actor.is_authenticated:
        customer.updated_by = actor
        customer._history_user = actor
    customer.save(update_fields=["deleted_at", "updated_by", "updated_at"])
    search_index_refresh(customer_ids=[customer.pk])
    return customer


BANK_ACCOUNT_FIELDS = frozenset({"account_number", "iban", "bic", "bank_name"})


def _prepare_bank_account(account: BankAccount) -> None:
    try:
        account.iban = normalize_iban(account.iban)
    except ValidationError as exc:
        raise ValidationError({"iban": exc.messages}) from exc
    account.bic = (account.bic or "").replace(" ", "").upper()
    account.account_number = (account.account_number or "").strip()
    if not account.account_number and not account.iban:
        raise ValidationError({"account_number": ["Give an account number or an IBAN."]})
    account.full_clean()


@transaction.atomic
def bank_account_create(*, customer: Customer, actor: AbstractBaseUser | None = None, **data: Any) -> BankAccount:
    unknown = set(data) - BANK_ACCOUNT_FIELDS
    if unknown:
        raise ValidationError({field: ["This field cannot be set."] for field in sorted(unknown)})
    account = BankAccount(customer=customer, **data)
    _prepare_bank_account(account)
    account._history_user = actor
    account.save()
    return account


@transaction.atomic
def bank_account_update(*, account: BankAccount, actor: AbstractBaseUser | None = None, **data: Any) -> BankAccount:
    unknown = set(data) - BANK_ACCOUNT_FIELDS
    if unknown:
        raise ValidationError({field: ["This field cannot be set."] for field in sorted(unknown)})
    for field, value in data.items():
        setattr(account, field, value)
    _prepare_bank_account(account)
    account._history_user = actor
    account.save()
    return account


@transaction.atomic
def bank_account_delete(*, account: BankAccount, actor: AbstractBaseUser | None = None) -> None:
    account._history_user = actor
    account.delete()
