"""Reads of the ledger, scoped to one organization."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum, Window
from django.utils import timezone

from accounts.models import Organization
from core.exceptions import NotFound
from customers.models import ZERO, Customer

from .models import CREDIT_TYPES, DEBIT_TYPES, Transaction, TransactionStatus, TransactionType

RECENT_TRANSACTIONS = 5


def transaction_list(
    *, organization: Organization, customer: Customer | None = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[Transaction]:
    from .filters import TransactionFilterSet

    entries = Transaction.objects.filter(organization=organization).select_related("branch", "customer")
    if customer is not None:
        entries = entries.filter(customer=customer)
    if filters:
        filterset = TransactionFilterSet(data=filters, queryset=entries, organization=organization)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        entries = filterset.qs
    return entries.order_by("-occurred_at", "-created_at")


def transaction_get(*, organization: Organization, transaction_id: Any) -> Transaction:
    try:
        return Transaction.objects.select_related("branch", "customer", "billing_entity").get(
            organization=organization, pk=transaction_id
        )
    except (Transaction.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise NotFound("Transaction not found") from exc


@dataclass(frozen=True)
class TransactionSummary:
    total_transactions: int
    total_sales_amount: Decimal
    this_month_transactions: int
    last_transaction_at: datetime | None
    recent_transactions: list[Transaction]


def transaction_summary(*, customer: Customer) -> TransactionSummary:
    zone = ZoneInfo(customer.organization.timezone)
    month_start = timezone.now().astimezone(zone).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    counted = Q(status=TransactionStatus.SUCCESS)
    # One read: the figures are window aggregates over all the customer's entries (computed before
    # the LIMIT), carried by each of the newest rows. No rows means no entries, so both are zero.
    recent = list(
        Transaction.objects.filter(customer=customer)
        .select_related("branch")
        .annotate(
            summary_sales=Window(Sum("total_amount", filter=counted & Q(type=TransactionType.SALE))),
            summary_this_month=Window(Count("pk", filter=counted & Q(occurred_at__gte=month_start))),
        )
        .order_by("-occurred_at", "-created_at")[:RECENT_TRANSACTIONS]
    )
    newest = recent[0] if recent else None
    return TransactionSummary(
        total_transactions=customer.total_transactions,
        total_sales_amount=(newest and newest.summary_sales) or ZERO,
        this_month_transactions=newest.summary_this_month if newest else 0,
        last_transaction_at=customer.last_transaction_at,
        recent_transactions=recent,
    )


STATEMENT_DEFAULT_DAYS = 90
# The days a statement may cover: a ledger has nothing older, and the calendar's own edges (year 1,
# year 9999) cannot be turned into the organization's times.
STATEMENT_FIRST_DAY = date(1900, 1, 1)
STATEMENT_LAST_DAY = date(9998, 12, 31)
AGEING_BUCKETS = ((30, "0–30 days"), (60, "31–60 days"), (90, "61–90 days"), (None, "Over 90 days"))


@dataclass(frozen=True)
class StatementLine:
    occurred_at: datetime
    type: str
    type_label: str
    reference: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True)
class StatementAgeing:
    """The closing balance split by how long its debits have been open, as at the statement's end."""

    days_0_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal

    @property
    def total(self) -> Decimal:
        return self.days_0_30 + self.days_31_60 + self.days_61_90 + self.over_90

    def buckets(self) -> list[tuple[str, Decimal]]:
        amounts = (self.days_0_30, self.days_31_60, self.days_61_90, self.over_90)
        return [(label, amount) for (_, label), amount in zip(AGEING_BUCKETS, amounts, strict=True)]


@dataclass(frozen=True)
class Statement:
    customer: Customer
    from_date: date
    to_date: date
    currency: str
    opening_balance: Decimal
    lines: list[StatementLine]
    total_debit: Decimal
    total_credit: Decimal
    closing_balance: Decimal
    ageing: StatementAgeing


def statement_period_default(*, organization: Organization) -> tuple[date, date]:
    """The last 90 days up to today, in the organization's timezone."""
    today = timezone.localdate(timezone=ZoneInfo(organization.timezone))
    return today - timedelta(days=STATEMENT_DEFAULT_DAYS), today


def statement_for(*, customer: Customer, from_date: date | None = None, to_date: date | None = None) -> Statement:
    """The statement of account of ``customer`` for whole days ``from_date``..``to_date`` (organization time).

    Only ``success`` entries count. Opening balance: debits minus credits before ``from_date``;
    each entry of the period moves the running balance; the closing balance is aged as at
    ``to_date`` (see ``_ageing``).
    """
    outside = {
        name: [f"Enter a date from {STATEMENT_FIRST_DAY} to {STATEMENT_LAST_DAY}."]
        for name, day in (("from_date", from_date), ("to_date", to_date))
        if day is not None and not STATEMENT_FIRST_DAY <= day <= STATEMENT_LAST_DAY
    }
    if outside:
        raise ValidationError(outside)
    zone = ZoneInfo(customer.organization.timezone)
    if to_date is None:
        to_date = timezone.localdate(timezone=zone)
    if from_date is None:
        from_date = to_date - timedelta(days=STATEMENT_DEFAULT_DAYS)
    if from_date > to_date:
        raise ValidationError({"from_date": ["from_date must be on or before to_date."]})
    start = datetime.combine(from_date, time.min, tzinfo=zone)
    end = datetime.combine(to_date + timedelta(days=1), time.min, tzinfo=zone)

    ledger = Transaction.objects.filter(customer=customer, status=TransactionStatus.SUCCESS)
    before = ledger.filter(occurred_at__lt=start).aggregate(
        debit=Sum("total_amount", filter=Q(type__in=DEBIT_TYPES)),
        credit=Sum("total_amount", filter=Q(type__in=CREDIT_TYPES)),
    )
    opening = (before["debit"] or ZERO) - (before["credit"] or ZERO)

    labels = dict(TransactionType.choices)
    lines: list[StatementLine] = []
    balance = opening
    total_debit = total_credit = ZERO
    entries = (
        ledger.filter(occurred_at__gte=start, occurred_at__lt=end)
        .order_by("occurred_at", "created_at", "id")
        .values_list("occurred_at", "type", "reference", "description", "total_amount")
    )
    for occurred_at, entry_type, reference, description, amount in entries.iterator(chunk_size=2000):
        is_debit = entry_type in DEBIT_TYPES
        debit, credit = (amount, ZERO) if is_debit else (ZERO, amount)
        balance += debit - credit
        total_debit += debit
        total_credit += credit
        lines.append(
            StatementLine(
                occurred_at=occurred_at,
                type=entry_type,
                type_label=labels.get(entry_type, entry_type),
                reference=reference,
                description=description,
                debit=debit,
                credit=credit,
                balance=balance,
            )
        )
    return Statement(
        customer=customer,
        from_date=from_date,
        to_date=to_date,
        currency=customer.currency,
        opening_balance=opening,
        lines=lines,
        total_debit=total_debit,
        total_credit=total_credit,
        closing_balance=balance,
        ageing=_ageing(ledger=ledger, closing_balance=balance, to_date=to_date, end=end, zone=zone),
    )


def _ageing(
    *, ledger: QuerySet[Transaction], closing_balance: Decimal, to_date: date, end: datetime, zone: ZoneInfo
) -> StatementAgeing:
    """Age the closing balance by FIFO: every credit settles the oldest open debit first.

    Under FIFO whatever is still owed at ``to_date`` is made of the newest debits, so walking the
    debits newest first and taking from each until their sum reaches the closing balance gives
    every open amount and its age (days from the debit's date to ``to_date``): 0–30, 31–60,
    61–90, over 90. A customer in credit (closing balance ≤ 0) owes nothing old: the unallocated
    credit is shown, negative, in the 0–30 bucket, so the buckets always add up to the closing
    balance.
    """
    buckets = [ZERO, ZERO, ZERO, ZERO]
    if closing_balance <= 0:
        buckets[0] = closing_balance
        return StatementAgeing(*buckets)
    remaining = closing_balance
    debits = (
        ledger.filter(occurred_at__lt=end, type__in=DEBIT_TYPES)
        .order_by("-occurred_at", "-created_at", "-id")
        .values_list("occurred_at", "total_amount")
    )
    for occurred_at, amount in debits.iterator(chunk_size=500):
        open_amount = min(amount, remaining)
        age = (to_date - occurred_at.astimezone(zone).date()).days
        index = next(i for i, (limit, _) in enumerate(AGEING_BUCKETS) if limit is None or age <= limit)
        buckets[index] += open_amount
        remaining -= open_amount
        if remaining <= 0:
            break
    return StatementAgeing(*buckets)


@dataclass(frozen=True)
class MonthlySales:
    month: date  # the first day of the month, in the organization's timezone
    amount: Decimal
    count: int


def transaction_monthly_sales(*, customer: Customer, months: int = 12) -> list[MonthlySales]:
    """Successful sales of ``customer`` per calendar month, oldest first, the current month last.

    Months are the organization's; a month without sales is present with zero.
    """
    from django.db.models.functions import TruncMonth

    zone = ZoneInfo(customer.organization.timezone)
    this_month = timezone.localdate(timezone=zone).replace(day=1)
    firsts = [this_month]
    for _ in range(months - 1):
        firsts.insert(0, (firsts[0] - timedelta(days=1)).replace(day=1))
    start = datetime.combine(firsts[0], time.min, tzinfo=zone)
    rows = (
        Transaction.objects.filter(
            customer=customer, type=TransactionType.SALE, status=TransactionStatus.SUCCESS, occurred_at__gte=start
        )
        .annotate(month=TruncMonth("occurred_at", tzinfo=zone))
        .values("month")
        .annotate(amount=Sum("total_amount"), count=Count("pk"))
        .order_by("month")
    )
    totals = {(row["month"].year, row["month"].month): row for row in rows}
    return [
        MonthlySales(
            month=first,
            amount=totals.get((first.year, first.month), {}).get("amount") or ZERO,
            count=totals.get((first.year, first.month), {}).get("count") or 0,
        )
        for first in firsts
    ]
