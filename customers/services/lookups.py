"""Writes of the per-organization lookups (categories, groups, finance codes, origins, payment terms)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from accounts.models import Organization
from core.exceptions import Conflict

from ..models import LookupBase


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


@transaction.atomic
def lookup_delete(*, item: LookupBase) -> None:
    # Customers keep their history: deleting a lookup in use only unlinks it (SET_NULL), except
    # where a model protects it.
    try:
        item.delete()
    except ProtectedError as exc:
        raise Conflict(f"This {item._meta.verbose_name} is in use; archive it instead.") from exc
