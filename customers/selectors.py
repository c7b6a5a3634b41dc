"""Reads of customers, contacts and lookups, always scoped to one organization."""

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import Organization
from core.exceptions import NotFound

from .models import BankAccount, ContactEmail, ContactPhone, Customer, LookupBase


def customer_list(*, organization: Organization, filters: Mapping[str, Any] | None = None) -> QuerySet[Customer]:
    """Non-deleted customers of ``organization`` filtered as the list, search and export filter them."""
    from .filters import CustomerFilterSet

    customers = (
        Customer.objects.alive()
        .filter(organization=organization)
        .select_related("branch", "category", "group", "origin", "finance_code", "payment_terms")
    )
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
    """A customer with its contacts, billing entities and bank accounts prefetched."""
    from billing.models import BillingEntity

    customer = customer_get(organization=organization, customer_id=customer_id)
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
    """Deposits, counts and the total balance of the (filtered) non-deleted customers."""
    from django.db.models import Sum
    from django.db.models.functions import Coalesce

    from .models import ZERO, CustomerStatus

    customers = customer_list(organization=organization, filters=filters).order_by()
    figures = customers.aggregate(
        total_deposits=Coalesce(Sum("deposit_amount"), ZERO),
        total_balance=Coalesce(Sum("balance"), ZERO),
        customer_count=Count("pk"),
        archived_customers=Count("pk", filter=Q(status=CustomerStatus.ARCHIVED)),
    )
    figures["unarchived_customers"] = figures["customer_count"] - figures["archived_customers"]
    return figures


def customer_quick_search(
    *, organization: Organization, query: str, branch_code: str | None = None, limit: int = 10
) -> list[Customer]:
    """The best matches of ``query`` for autocomplete, best first."""
    filters: dict[str, Any] = {"search": query}
    if branch_code:
        filters["branch_id"] = branch_code
    # The search filter orders by rank (exact identifier, name starts with, name contains), then name.
    return list(customer_list(organization=organization, filters=filters)[:limit])
