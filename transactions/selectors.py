"""Reads of the ledger, scoped to one organization."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Organization
from core.exceptions import NotFound
from customers.models import ZERO, Customer

from .models import Transaction, TransactionStatus, TransactionType

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
    counted = Transaction.objects.filter(customer=customer, status=TransactionStatus.SUCCESS)
    figures = counted.aggregate(
        sales=Sum("total_amount", filter=Q(type=TransactionType.SALE)),
        this_month=Count("pk", filter=Q(occurred_at__gte=month_start)),
    )
    recent = list(
        Transaction.objects.filter(customer=customer)
        .select_related("branch")
        .order_by("-occurred_at", "-created_at")[:RECENT_TRANSACTIONS]
    )
    return TransactionSummary(
        total_transactions=customer.total_transactions,
        total_sales_amount=figures["sales"] or ZERO,
        this_month_transactions=figures["this_month"],
        last_transaction_at=customer.last_transaction_at,
        recent_transactions=recent,
    )
