"""Ledger writes. Balances on the customer move in the same database transaction as the entry."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, DecimalField, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.models import Branch, Organization
from billing.models import BillingEntity
from billing.selectors import billing_entity_default
from core.exceptions import InvalidState
from core.expressions import to_cents
from customers.models import ZERO, Customer
from customers.search import search_reference_add

from .models import CREDIT_TYPES, DEBIT_TYPES, Transaction, TransactionStatus, TransactionType

CENT = Decimal("0.01")


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError({field: ["Enter a number with at most two decimals."]}) from exc
    if not amount.is_finite():
        raise ValidationError({field: ["Enter a number with at most two decimals."]})
    return amount


def _balance_changes(entry: Transaction, sign: int) -> dict[str, Any]:
    """The F() updates that add (sign=1) or remove (sign=-1) ``entry`` from its customer's totals."""
    amount = entry.total_amount * sign
    changes: dict[str, Any] = {"total_transactions": F("total_transactions") + sign}
    if entry.type in DEBIT_TYPES:
        changes["total_debit"] = to_cents(F("total_debit") + amount)
        changes["balance"] = to_cents(F("balance") + amount)
    else:
        changes["total_credit"] = to_cents(F("total_credit") + amount)
        changes["balance"] = to_cents(F("balance") - amount)
    if entry.type == TransactionType.DEPOSIT:
        changes["deposit_amount"] = to_cents(F("deposit_amount") + amount)
    return changes


@transaction.atomic
def transaction_record(
    *,
    organization: Organization,
    customer: Customer,
    type: str,
    total_amount: Any,
    tax_amount: Any = ZERO,
    reference: str = "",
    occurred_at: datetime | None = None,
    currency: str = "",
    status: str = TransactionStatus.SUCCESS,
    billing_entity: BillingEntity | None = None,
    branch: Branch | None = None,
    description: str = "",
    actor: AbstractBaseUser | None = None,
) -> Transaction:
    errors: dict[str, list[str]] = {}
    if customer.organization_id != organization.pk or customer.is_deleted:
        errors["customer"] = ["Unknown customer."]
    if type not in TransactionType.values:
        errors["type"] = [f"Choose one of: {', '.join(TransactionType.values)}."]
    if status not in (TransactionStatus.SUCCESS, TransactionStatus.PENDING, TransactionStatus.FAILED):
        errors["status"] = ["A transaction is recorded as success, pending or failed; void it afterwards."]
    try:
        total = _money(total_amount, "total_amount")
        if total <= 0:
            errors["total_amount"] = ["The total amount must be greater than zero."]
    except ValidationError as exc:
        errors.update(exc.message_dict)
        total = None
    try:
        tax = _money(tax_amount if tax_amount not in (None, "") else ZERO, "tax_amount")
        if tax < 0:
            errors["tax_amount"] = ["The tax amount cannot be negative."]
        elif total is not None and tax > total:
            errors["tax_amount"] = ["The tax amount cannot exceed the total amount."]
    except ValidationError as exc:
        errors.update(exc.message_dict)
        tax = None
    if branch is not None and branch.organization_id != organization.pk:
        errors["branch"] = ["Unknown branch."]
    elif branch is not None and not branch.is_active:
        errors["branch"] = ["This branch is closed; record the transaction at an active branch."]
    if billing_entity is not None:
        # Judge the entity as stored now, not as it was when the caller loaded it.
        stored = BillingEntity.objects.filter(pk=billing_entity.pk).first()
        if stored is None or stored.customer_id != customer.pk or not stored.is_active:
            errors["billing_entity"] = ["Choose an active billing entity of this customer."]
        billing_entity = stored
    if errors:
        raise ValidationError(errors)

    if billing_entity is None and type == TransactionType.SALE:
        billing_entity = billing_entity_default(customer=customer)
    entry = Transaction(
        organization=organization,
        branch=branch or customer.branch,
        customer=customer,
        type=type,
        reference=(reference or "").strip(),
        occurred_at=occurred_at or timezone.now(),
        currency=(currency or customer.currency).upper(),
        total_amount=total,
        tax_amount=tax,
        status=status,
        billing_entity=billing_entity,
        description=description or "",
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    # The references were checked above; full_clean would re-query each of them.
    entry.full_clean(
        exclude=["organization", "branch", "customer", "billing_entity", "created_by"],
        validate_unique=False,
        validate_constraints=False,
    )
    entry.save()

    changes: dict[str, Any] = {"used_in_booked": Value(True)}
    if entry.status == TransactionStatus.SUCCESS:
        changes |= _balance_changes(entry, 1)
        # Coalesce first: SQLite's MAX() of a NULL and a time is NULL.
        changes["last_transaction_at"] = Greatest(
            Coalesce(F("last_transaction_at"), Value(entry.occurred_at)), Value(entry.occurred_at)
        )
    Customer.objects.filter(pk=customer.pk).update(**changes)
    search_reference_add(customer=customer, reference=entry.reference)
    return entry


@transaction.atomic
def transaction_void(*, entry: Transaction, actor: AbstractBaseUser | None = None) -> Transaction:
    """Cancel a ledger entry; a successful one is taken back out of the customer's balances."""
    # Lock order: the customer row, then the entry, as transaction_record takes them.
    Customer.objects.select_for_update().filter(pk=entry.customer_id).first()
    entry = Transaction.objects.select_for_update().get(pk=entry.pk)
    if entry.status == TransactionStatus.VOID:
        raise InvalidState("This transaction is already void.", field="status")
    was_counted = entry.status == TransactionStatus.SUCCESS
    entry.status = TransactionStatus.VOID
    entry.voided_at = timezone.now()
    entry.voided_by = actor if actor is not None and actor.is_authenticated else None
    entry.save(update_fields=["status", "voided_at", "voided_by"])
    if was_counted:
        latest = (
            Transaction.objects.filter(customer_id=entry.customer_id, status=TransactionStatus.SUCCESS)
            .order_by()
            .values("customer_id")
            .annotate(latest=Max("occurred_at"))
            .values("latest")
        )
        Customer.objects.filter(pk=entry.customer_id).update(
            **_balance_changes(entry, -1), last_transaction_at=Subquery(latest)
        )
    return entry


@dataclass(frozen=True)
class BalanceDrift:
    customer_id: int
    customer_no: str
    field: str
    stored: Any
    expected: Any


BALANCE_FIELDS = (
    "total_debit",
    "total_credit",
    "balance",
    "deposit_amount",
    "total_transactions",
    "last_transaction_at",
)


def _ledger_totals(customers):
    """Annotate each customer with its totals computed from the ledger."""
    counted = Transaction.objects.filter(customer_id=OuterRef("pk"), status=TransactionStatus.SUCCESS).order_by()
    money_field = DecimalField(max_digits=18, decimal_places=2)

    def summed(condition: Q):
        return Coalesce(
            Subquery(
                counted.filter(condition).values("customer_id").annotate(total=Sum("total_amount")).values("total"),
                output_field=money_field,
            ),
            Value(ZERO),
            output_field=money_field,
        )

    return customers.annotate(
        expected_total_debit=summed(Q(type__in=DEBIT_TYPES)),
        expected_total_credit=summed(Q(type__in=CREDIT_TYPES)),
        expected_deposit_amount=summed(Q(type=TransactionType.DEPOSIT)),
        expected_total_transactions=Coalesce(
            Subquery(counted.values("customer_id").annotate(n=Count("pk")).values("n")), Value(0)
        ),
        expected_last_transaction_at=Subquery(
            counted.values("customer_id").annotate(latest=Max("occurred_at")).values("latest")
        ),
    )


def balances_recompute(*, organization: Organization | None = None, fix: bool = True) -> list[BalanceDrift]:
    """Compare every customer's stored balances with its ledger; with ``fix``, correct the drift."""
    customers = Customer.objects.all().order_by("pk")
    if organization is not None:
        customers = customers.filter(organization=organization)
    drifts: list[BalanceDrift] = []
    for customer in _ledger_totals(customers).iterator(chunk_size=2000):
        expected = {
            "total_debit": customer.expected_total_debit,
            "total_credit": customer.expected_total_credit,
            "balance": customer.expected_total_debit - customer.expected_total_credit,
            "deposit_amount": customer.expected_deposit_amount,
            "total_transactions": customer.expected_total_transactions,
            "last_transaction_at": customer.expected_last_transaction_at,
        }
        wrong = {field: value for field, value in expected.items() if getattr(customer, field) != value}
        for field, value in wrong.items():
            drifts.append(BalanceDrift(customer.pk, customer.customer_no, field, getattr(customer, field), value))
        if wrong and fix:
            with transaction.atomic():
                Customer.objects.filter(pk=customer.pk).update(**wrong)
    return drifts
