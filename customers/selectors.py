"""Reads of customers, contacts and lookups, always scoped to one organization."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import Organization
from core.exceptions import NotFound
from core.expressions import among_ids

from .models import BankAccount, ContactEmail, ContactPhone, Customer, LookupBase


def customer_list(*, organization: Organization, filters: Mapping[str, Any] | None = None) -> QuerySet[Customer]:
    """Non-deleted customers of ``organization`` filtered as the list, search and export filter them."""
    from .filters import CustomerFilterSet

    # Only the lookups every list shows: on PostgreSQL each joined table multiplies the join orders
    # the planner weighs (74 ms of planning for a one-row page with all six); readers that show
    # more join them themselves.
    customers = Customer.objects.alive().filter(organization=organization).select_related("branch", "category")
    if filters:
        filterset = CustomerFilterSet(data=filters, queryset=customers, organization=organization)
        if not filterset.is_valid():
            from django.core.exceptions import ValidationError

            raise ValidationError(filterset.errors)
        customers = filterset.qs
    return customers


def customer_get(*, organization: Organization, customer_id: Any, include_deleted: bool = False) -> Customer:
    """One customer of ``organization``; missing, deleted and foreign ids all answer the same."""
    customers = Customer.objects.filter(organization=organization)
    if not include_deleted:
        customers = customers.alive()
    try:
        return customers.select_related(
            "organization", "branch", "category", "group", "origin", "finance_code", "payment_terms"
        ).get(pk=int(customer_id))
    except (Customer.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("Customer not found") from exc


def customer_get_detailed(*, organization: Organization, customer_id: Any) -> Customer:
    """A customer with its lookups, and its contacts, billing entities and bank accounts prefetched.

    Found as ``customer_get`` finds it (missing, deleted and foreign ids all answer the same), but
    the organization, which is the one asked for, is not joined again: PostgreSQL's planning time
    about doubles with every joined table, and planning this read is most of the database's work
    for a customer's detail.
    """
    from billing.models import BillingEntity

    try:
        customer = (
            Customer.objects.filter(organization=organization)
            .alive()
            .select_related("branch", "category", "group", "origin", "finance_code", "payment_terms")
            .get(pk=int(customer_id))
        )
    except (Customer.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("Customer not found") from exc
    customer.organization = organization
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        [customer],
        Prefetch("emails", queryset=ContactEmail.objects.order_by("id")),
        Prefetch("phones", queryset=ContactPhone.objects.order_by("id")),
        Prefetch("bank_accounts", queryset=BankAccount.objects.order_by("id")),
        Prefetch("billing_entities", queryset=BillingEntity.objects.order_by("-is_default", "legal_name", "id")),
    )
    return customer


def contact_email_list(*, customer: Customer) -> QuerySet[ContactEmail]:
    return ContactEmail.objects.filter(customer=customer).order_by("id")


def contact_email_get(*, customer: Customer, email_id: Any) -> ContactEmail:
    try:
        return ContactEmail.objects.select_related("customer").get(customer=customer, pk=int(email_id))
    except (ContactEmail.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("Email not found") from exc


def contact_phone_list(*, customer: Customer) -> QuerySet[ContactPhone]:
    return ContactPhone.objects.filter(customer=customer).order_by("id")


def contact_phone_get(*, customer: Customer, phone_id: Any) -> ContactPhone:
    try:
        return ContactPhone.objects.select_related("customer").get(customer=customer, pk=int(phone_id))
    except (ContactPhone.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("Phone not found") from exc


def lookup_list(
    *, model: type[LookupBase], organization: Organization, include_archived: bool = True
) -> QuerySet[LookupBase]:
    items = model.objects.filter(organization=organization)
    if not include_archived:
        items = items.filter(is_archived=False)
    if hasattr(model, "customers"):
        items = items.annotate(
            customer_count=Count("customers", filter=Q(customers__deleted_at__isnull=True), distinct=True)
        )
    return items.order_by("name")


def lookup_get(*, model: type[LookupBase], organization: Organization, item_id: Any) -> LookupBase:
    try:
        return lookup_list(model=model, organization=organization).get(pk=int(item_id))
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(f"{model._meta.verbose_name.capitalize()} not found") from exc


SUMMARY_FILTERS = frozenset({"category_id", "branch_id"})


def customer_summary(*, organization: Organization, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Counts of the (filtered) non-deleted customers, with their balances and deposits per currency.

    Amounts in different currencies are never added up: ``total_balance`` and ``total_deposits``
    are those of the customers in the organization's base currency (``currency``), and
    ``balances_by_currency`` holds every currency's own totals, the base currency first.
    """
    from django.db.models import Sum
    from django.db.models.functions import Coalesce

    from .models import ZERO, CustomerStatus

    customers = customer_list(organization=organization, filters=filters).order_by()
    per_currency = list(
        customers.values("currency").annotate(
            customer_count=Count("pk"),
            archived_customers=Count("pk", filter=Q(status=CustomerStatus.ARCHIVED)),
            total_balance=Coalesce(Sum("balance"), ZERO),
            total_deposits=Coalesce(Sum("deposit_amount"), ZERO),
        )
    )
    base = organization.base_currency
    per_currency.sort(key=lambda row: (row["currency"] != base, row["currency"]))
    in_base = next((row for row in per_currency if row["currency"] == base), None)
    customer_count = sum(row["customer_count"] for row in per_currency)
    archived = sum(row["archived_customers"] for row in per_currency)
    return {
        "total_deposits": in_base["total_deposits"] if in_base else ZERO,
        "customer_count": customer_count,
        "archived_customers": archived,
        "unarchived_customers": customer_count - archived,
        "total_balance": in_base["total_balance"] if in_base else ZERO,
        "currency": base,
        "balances_by_currency": [
            {key: row[key] for key in ("currency", "customer_count", "total_balance", "total_deposits")}
            for row in per_currency
        ],
    }


# What a quick search result carries (CustomerSearchOutputSerializer), and what scopes it.
QUICK_SEARCH_COLUMNS = ("id", "customer_no", "name", "status", "tax_id", "phone", "organization_id")


def _quick_search_results(*, organization: Organization, customer_ids: list[int]) -> dict[int, Customer]:
    """The live customers of ``organization`` among ``customer_ids``, with only the fields a result shows.

    Autocomplete asks for them on every keystroke, so they are read with one plain statement (its
    compiling through the ORM cost more than running it). The statement looks the ids up by primary
    key alone, and the organization is compared here: asked for it too, SQLite may walk the
    organization's index instead of looking up a handful of ids.
    """
    columns = ", ".join(connection.ops.quote_name(column) for column in QUICK_SEARCH_COLUMNS)
    among = among_ids("id", customer_ids)
    found = Customer.objects.raw(
        f"SELECT {columns} FROM {Customer._meta.db_table} WHERE {among.text} AND deleted_at IS NULL",  # noqa: S608
        among.params,
    )
    return {customer.pk: customer for customer in found if customer.organization_id == organization.pk}


def customer_quick_search(
    *, organization: Organization, query: str, branch_code: str | None = None, limit: int = 10
) -> list[Customer]:
    """The best matches of ``query`` for autocomplete, best first, each with its ``search_rank``."""
    from accounts.models import Branch

    from .search import quick_search

    branch_id = None
    if branch_code:
        branch_id = (
            Branch.objects.filter(organization=organization, code=branch_code).values_list("pk", flat=True).first()
        )
        if branch_id is None:
            return []
    hits = quick_search(organization_id=organization.pk, raw_query=query, limit=limit, branch_id=branch_id)
    customers = _quick_search_results(organization=organization, customer_ids=[hit.customer_id for hit in hits])
    results = []
    for hit in hits:
        customer = customers.get(hit.customer_id)
        if customer is not None:
            customer.search_rank = hit.rank
            results.append(customer)
    return results


def customer_summary_by_category(*, organization: Organization) -> list[dict[str, Any]]:
    """customer_summary's figures per category, the largest first; customers without one come last.

    Balances and deposits are those of the customers in the organization's base currency, as
    customer_summary's totals are; the counts take in every customer.
    """
    from django.db.models import Sum
    from django.db.models.functions import Coalesce

    from .models import ZERO, CustomerStatus

    in_base_currency = Q(currency=organization.base_currency)
    rows = (
        customer_list(organization=organization)
        .order_by()
        .values("category_id", "category__name")
        .annotate(
            customer_count=Count("pk"),
            archived_customers=Count("pk", filter=Q(status=CustomerStatus.ARCHIVED)),
            total_balance=Coalesce(Sum("balance", filter=in_base_currency), ZERO),
            total_deposits=Coalesce(Sum("deposit_amount", filter=in_base_currency), ZERO),
        )
    )
    summary = [
        {
            "category_id": row["category_id"],
            "name": row["category__name"] or "No category",
            "customer_count": row["customer_count"],
            "archived_customers": row["archived_customers"],
            "total_balance": row["total_balance"],
            "total_deposits": row["total_deposits"],
        }
        for row in rows
    ]
    return sorted(summary, key=lambda row: (row["category_id"] is None, -row["customer_count"], row["name"]))


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class ChangeEntry:
    at: datetime
    user: str
    subject: str
    action: str  # "created", "changed" or "deleted"
    changes: list[FieldChange]
    # Why, when the writer said (a deleted category unlinking its customers); else empty.
    reason: str = ""


# Columns that say nothing to a reader of the history (keys, timestamps, the parent link).
HISTORY_SKIPPED_FIELDS = frozenset({"id", "uid", "organization", "customer", "created_at", "updated_at"})
HISTORY_ROWS_PER_MODEL = 200
HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _history_value(field, value, names: dict[tuple[type, Any], str]) -> str:
    from django.utils import formats, timezone

    if value is None or value == "" or value == {}:
        return "—"
    if field.is_relation:
        return names.get((field.related_model, value), f"#{value}")
    if field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in value.items())
    return str(value)


def _history_subject(model, record) -> str:
    label = {
        "customer": "Customer",
        "contactemail": "Email",
        "contactphone": "Phone",
        "billingentity": "Billing entity",
        "bankaccount": "Bank account",
    }[model._meta.model_name]
    if model is Customer:
        return label
    name = getattr(record, "email", "") or getattr(record, "number", "") or getattr(record, "legal_name", "")
    name = name or getattr(record, "iban", "") or getattr(record, "account_number", "")
    return f"{label} {name}".strip()


def customer_change_history(*, customer: Customer, limit: int = 50) -> list[ChangeEntry]:
    """Who changed what and when on ``customer``, its contacts, billing entities and bank accounts; newest first.

    Each change lists its fields as from → to. Rows are compared with the previous version of the
    same record; the oldest version read has nothing to compare with and lists no fields.
    """
    from billing.models import BillingEntity

    sources = [
        (Customer, Q(id=customer.pk)),
        (ContactEmail, Q(customer_id=customer.pk)),
        (ContactPhone, Q(customer_id=customer.pk)),
        (BillingEntity, Q(customer_id=customer.pk)),
        (BankAccount, Q(customer_id=customer.pk)),
    ]
    loaded = []
    related_ids: dict[type, set] = {}
    for model, condition in sources:
        fields = [field for field in model.history.model.tracked_fields if field.name not in HISTORY_SKIPPED_FIELDS]
        records = list(
            model.history.filter(condition)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[:HISTORY_ROWS_PER_MODEL]
        )
        records.reverse()
        loaded.append((model, fields, records))
        for field in fields:
            if field.is_relation:
                values = {getattr(record, field.attname) for record in records} - {None}
                related_ids.setdefault(field.related_model, set()).update(values)
    names = {
        (related, row.pk): str(row)
        for related, ids in related_ids.items()
        for row in related.objects.filter(pk__in=ids)
    }

    entries: list[ChangeEntry] = []
    for model, fields, records in loaded:
        previous: dict[Any, Any] = {}
        for record in records:
            before = previous.get(record.id)
            previous[record.id] = record
            action = HISTORY_ACTIONS.get(record.history_type, "changed")
            changes = []
            if action == "changed" and before is not None:
                for field in fields:
                    old, new = getattr(before, field.attname), getattr(record, field.attname)
                    if old != new:
                        changes.append(
                            FieldChange(
                                field=str(field.verbose_name).capitalize(),
                                old=_history_value(field, old, names),
                                new=_history_value(field, new, names),
                            )
                        )
                if not changes:
                    continue
            user = record.history_user
            entries.append(
                ChangeEntry(
                    at=record.history_date,
                    user=(user.get_full_name() or user.get_username()) if user is not None else "API or system",
                    subject=_history_subject(model, record),
                    action=action,
                    changes=changes,
                    reason=record.history_change_reason or "",
                )
            )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
