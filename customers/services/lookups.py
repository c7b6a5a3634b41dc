"""Writes of the per-organization lookups (categories, groups, finance codes, origins, payment terms)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from accounts.models import Organization
from core.exceptions import Conflict
from core.history import request_context

from ..models import Customer, LookupBase


def _check_name_free(model: type[LookupBase], organization: Organization, name: str, exclude_pk=None) -> None:
    clash = model.objects.filter(organization=organization, name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict(f"A {model._meta.verbose_name} named '{name}' already exists.", field="name")


def _allowed_fields(model: type[LookupBase]) -> set[str]:
    return {
        field.name
        for field in model._meta.concrete_fields
        if field.editable and field.name not in {"id", "organization", "created_at", "updated_at"}
    }


@transaction.atomic
def lookup_create(*, model: type[LookupBase], organization: Organization, **data: Any) -> LookupBase:
    unknown = set(data) - _allowed_fields(model)
    if unknown:
        raise ValidationError({field: ["This field cannot be set."] for field in sorted(unknown)})
    item = model(organization=organization, **data)
    item.name = (item.name or "").strip()
    item.full_clean(validate_unique=False, validate_constraints=False)
    _check_name_free(model, organization, item.name)
    item.save()
    return item


@transaction.atomic
def lookup_update(*, item: LookupBase, **data: Any) -> LookupBase:
    unknown = set(data) - _allowed_fields(type(item))
    if unknown:
        raise ValidationError({field: ["This field cannot be set."] for field in sorted(unknown)})
    for field, value in data.items():
        setattr(item, field, value)
    item.name = (item.name or "").strip()
    item.full_clean(validate_unique=False, validate_constraints=False)
    if "name" in data:
        _check_name_free(type(item), item.organization, item.name, exclude_pk=item.pk)
    item.save()
    return item


@transaction.atomic
def lookup_archive(*, item: LookupBase, archived: bool = True) -> LookupBase:
    if item.is_archived != archived:
        item.is_archived = archived
        item.save(update_fields=["is_archived", "updated_at"])
    return item


# Customers unlinked from a deleted lookup are read and written this many at a time.
UNLINK_BATCH_SIZE = 1_000


@transaction.atomic
def lookup_delete(*, item: LookupBase) -> None:
    """Delete ``item``; its customers lose it, each with a change-history row that says so.

    The database's SET NULL alone would change them silently: no history, no new updated_at.
    Where a model protects the lookup, nothing changes and the answer is a Conflict.
    """
    for field in Customer._meta.get_fields():
        if field.many_to_one and field.related_model is type(item):
            _unlink_customers(item=item, field_name=field.name)
    try:
        item.delete()
    except ProtectedError as exc:
        raise Conflict(f"This {item._meta.verbose_name} is in use; archive it instead.") from exc


def _unlink_customers(*, item: LookupBase, field_name: str) -> None:
    ids = list(Customer.objects.filter(**{field_name: item}).order_by("pk").values_list("pk", flat=True))
    reason = f"{item._meta.verbose_name.capitalize()} {item} deleted"
    now = timezone.now()
    for start in range(0, len(ids), UNLINK_BATCH_SIZE):
        customers = list(Customer.objects.filter(pk__in=ids[start : start + UNLINK_BATCH_SIZE]))
        for customer in customers:
            setattr(customer, field_name, None)
            customer.updated_at = now
        bulk_update_with_history(
            customers,
            Customer,
            [field_name, "updated_at"],
            batch_size=UNLINK_BATCH_SIZE,
            default_change_reason=reason[:100],
            default_date=now,
            custom_historical_attrs=request_context(),
        )
