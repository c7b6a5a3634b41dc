"""Reads of billing entities and payment terms."""

from typing import Any

from django.db.models import QuerySet

from core.exceptions import NotFound
from customers.models import Customer

from .models import BillingEntity


def billing_entity_list(*, customer: Customer, active_only: bool = False) -> QuerySet[BillingEntity]:
    entities = BillingEntity.objects.filter(customer=customer)
    if active_only:
        entities = entities.filter(is_active=True)
    return entities.order_by("-is_default", "legal_name", "id")


def billing_entity_get(*, customer: Customer, entity_id: Any) -> BillingEntity:
    try:
        return BillingEntity.objects.select_related("customer").get(customer=customer, pk=int(entity_id))
    except (BillingEntity.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("Billing entity not found") from exc


def billing_entity_default(*, customer: Customer) -> BillingEntity | None:
    return BillingEntity.objects.filter(customer=customer, is_default=True, is_active=True).first()
