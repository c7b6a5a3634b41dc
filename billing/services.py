"""Writes of billing entities: the only code that saves them, and the keeper of the one default."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from core.concurrency import version_check
from core.exceptions import InvalidState
from customers.models import Customer
from customers.search import search_index_refresh
from customers.validators import normalize_email, normalize_tax_id

from .models import BillingEntity

BILLING_ENTITY_FIELDS = frozenset(
    {"legal_name", "tax_id", "billing_email", "fiscal_address", "billing_address", "is_active"}
)


def _check_fields(data: dict[str, Any]) -> None:
    unknown = set(data) - BILLING_ENTITY_FIELDS
    if unknown:
        raise ValidationError({field: ["This field cannot be set."] for field in sorted(unknown)})


def _lock_customer(customer: Customer) -> Customer:
    # Every change to which entity is the default first locks the customer row, so two
    # concurrent make-default calls on one customer run one after the other.
    return Customer.objects.select_for_update().get(pk=customer.pk)


def _normalize(entity: BillingEntity) -> None:
    errors: dict[str, list[str]] = {}
    entity.legal_name = (entity.legal_name or "").strip()
    try:
        entity.tax_id = normalize_tax_id(entity.tax_id or "", entity.customer.country)
    except ValidationError as exc:
        errors["tax_id"] = exc.messages
    try:
        entity.billing_email = normalize_email(entity.billing_email)
    except ValidationError as exc:
        errors["billing_email"] = exc.messages
    if errors:
        raise ValidationError(errors)
    entity.full_clean(validate_unique=False, validate_constraints=False)


def _save(entity: BillingEntity, actor: AbstractBaseUser | None) -> None:
    entity._history_user = actor
    entity.save()


def _clear_default(customer: Customer, actor: AbstractBaseUser | None, *, keep: BillingEntity | None = None) -> None:
    others = BillingEntity.objects.filter(customer=customer, is_default=True)
    if keep is not None and keep.pk is not None:
        others = others.exclude(pk=keep.pk)
    for other in others:
        other.is_default = False
        _save(other, actor)


@transaction.atomic
def billing_entity_create(
    *, customer: Customer, actor: AbstractBaseUser | None = None, is_default: bool | None = None, **data: Any
) -> BillingEntity:
    """Add a billing entity; the customer's first active one becomes the default unless told otherwise."""
    _check_fields(data)
    if customer.is_deleted:
        raise InvalidState("A deleted customer cannot be changed.")
    customer = _lock_customer(customer)
    entity = BillingEntity(customer=customer, **data)
    _normalize(entity)
    has_default = BillingEntity.objects.filter(customer=customer, is_default=True).exists()
    if is_default is None:
        is_default = entity.is_active and not has_default
    if is_default and not entity.is_active:
        raise ValidationError({"is_default": ["An inactive billing entity cannot be the default."]})
    if is_default:
        _clear_default(customer, actor)
    entity.is_default = is_default
    _save(entity, actor)
    search_index_refresh(customer_ids=[customer.pk])
    return entity


@transaction.atomic
def billing_entity_update(
    *,
    entity: BillingEntity,
    actor: AbstractBaseUser | None = None,
    expected_updated_at: datetime | None = None,
    **data: Any,
) -> BillingEntity:
    _check_fields(data)
    _lock_customer(entity.customer)
    version_check(instance=entity, expected_updated_at=expected_updated_at, noun="billing entity")
    for field, value in data.items():
        setattr(entity, field, value)
    if not entity.is_active:
        # A deactivated entity can no longer be chosen, so it stops being the default.
        entity.is_default = False
    _normalize(entity)
    _save(entity, actor)
    search_index_refresh(customer_ids=[entity.customer_id])
    return entity


@transaction.atomic
def billing_entity_make_default(*, entity: BillingEntity, actor: AbstractBaseUser | None = None) -> BillingEntity:
    _lock_customer(entity.customer)
    entity.refresh_from_db()
    if not entity.is_active:
        raise InvalidState("An inactive billing entity cannot be the default; activate it first.", field="is_default")
    if not entity.is_default:
        _clear_default(entity.customer, actor, keep=entity)
        entity.is_default = True
        _save(entity, actor)
    return entity


@transaction.atomic
def billing_entity_deactivate(*, entity: BillingEntity, actor: AbstractBaseUser | None = None) -> BillingEntity:
    return billing_entity_update(entity=entity, actor=actor, is_active=False)


@transaction.atomic
def billing_entity_delete(
    *, entity: BillingEntity, actor: AbstractBaseUser | None = None, expected_updated_at: datetime | None = None
) -> None:
    _lock_customer(entity.customer)
    version_check(instance=entity, expected_updated_at=expected_updated_at, noun="billing entity")
    entity._history_user = actor
    try:
        with transaction.atomic():
            entity.delete()
    except ProtectedError as exc:
        raise InvalidState("This billing entity is used by transactions; deactivate it instead.") from exc
    search_index_refresh(customer_ids=[entity.customer_id])
