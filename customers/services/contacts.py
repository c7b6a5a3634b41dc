"""Writes of a customer's contact emails and phones, honouring their lock."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.concurrency import version_check
from core.exceptions import Conflict, InvalidState, RecordLocked

from ..models import ContactEmail, ContactPhone, Customer
from ..search import search_index_refresh
from ..validators import normalize_email, normalize_phone

EMAIL_FIELDS = frozenset({"email", "use_for_invoicing", "contact_name", "role", "notes"})
PHONE_FIELDS = frozenset({"number", "extension", "is_whatsapp", "contact_name", "role", "notes"})


def _check_fields(data: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({field: ["This field cannot be set."] for field in sorted(unknown)})


def _check_customer_alive(customer: Customer) -> None:
    if customer.is_deleted:
        raise InvalidState("A deleted customer cannot be changed.")


def _normalize_email_row(contact: ContactEmail) -> None:
    try:
        contact.email = normalize_email(contact.email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc
    if not contact.email:
        raise ValidationError({"email": ["This field is required."]})


def _normalize_phone_row(contact: ContactPhone) -> None:
    try:
        contact.number = normalize_phone(contact.number, contact.customer.country)
    except ValidationError as exc:
        raise ValidationError({"number": exc.messages}) from exc
    if not contact.number:
        raise ValidationError({"number": ["This field is required."]})
    contact.extension = (contact.extension or "").strip()


def _save_contact(contact, *, actor: AbstractBaseUser | None, duplicate_field: str, duplicate_message: str) -> None:
    contact.full_clean(validate_unique=False, validate_constraints=False)
    contact._history_user = actor
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError as exc:
        raise Conflict(duplicate_message, field=duplicate_field) from exc
    search_index_refresh(customer_ids=[contact.customer_id])


def _check_unlocked(contact) -> None:
    # Read the lock under a row lock: a manager locking the contact at the same moment wins.
    contact.is_locked = bool(
        type(contact).objects.select_for_update().filter(pk=contact.pk).values_list("is_locked", flat=True).first()
    )
    if contact.is_locked:
        kind = "email" if isinstance(contact, ContactEmail) else "phone"
        raise RecordLocked(f"This {kind} is locked; a manager must unlock it before it can be changed or deleted.")


@transaction.atomic
def contact_email_create(*, customer: Customer, actor: AbstractBaseUser | None = None, **data: Any) -> ContactEmail:
    _check_fields(data, EMAIL_FIELDS)
    _check_customer_alive(customer)
    contact = ContactEmail(customer=customer, **data)
    _normalize_email_row(contact)
    _save_contact(
        contact, actor=actor, duplicate_field="email", duplicate_message="This customer already has this email."
    )
    return contact


@transaction.atomic
def contact_email_update(
    *,
    contact: ContactEmail,
    actor: AbstractBaseUser | None = None,
    expected_updated_at: datetime | None = None,
    **data: Any,
) -> ContactEmail:
    _check_fields(data, EMAIL_FIELDS)
    _check_unlocked(contact)
    version_check(instance=contact, expected_updated_at=expected_updated_at, noun="email")
    for field, value in data.items():
        setattr(contact, field, value)
    _normalize_email_row(contact)
    _save_contact(
        contact, actor=actor, duplicate_field="email", duplicate_message="This customer already has this email."
    )
    return contact


@transaction.atomic
def contact_email_delete(
    *, contact: ContactEmail, actor: AbstractBaseUser | None = None, expected_updated_at: datetime | None = None
) -> None:
    _check_unlocked(contact)
    version_check(instance=contact, expected_updated_at=expected_updated_at, noun="email")
    contact._history_user = actor
    contact.delete()
    search_index_refresh(customer_ids=[contact.customer_id])


@transaction.atomic
def contact_email_set_locked(
    *, contact: ContactEmail, locked: bool, actor: AbstractBaseUser | None = None
) -> ContactEmail:
    if contact.is_locked != locked:
        contact.is_locked = locked
        contact._history_user = actor
        contact.save(update_fields=["is_locked", "updated_at"])
    return contact


@transaction.atomic
def contact_phone_create(*, customer: Customer, actor: AbstractBaseUser | None = None, **data: Any) -> ContactPhone:
    _check_fields(data, PHONE_FIELDS)
    _check_customer_alive(customer)
    contact = ContactPhone(customer=customer, **data)
    _normalize_phone_row(contact)
    _save_contact(
        contact, actor=actor, duplicate_field="number", duplicate_message="This customer already has this phone."
    )
    return contact


@transaction.atomic
def contact_phone_update(
    *,
    contact: ContactPhone,
    actor: AbstractBaseUser | None = None,
    expected_updated_at: datetime | None = None,
    **data: Any,
) -> ContactPhone:
    _check_fields(data, PHONE_FIELDS)
    _check_unlocked(contact)
    version_check(instance=contact, expected_updated_at=expected_updated_at, noun="phone")
    for field, value in data.items():
        setattr(contact, field, value)
    _normalize_phone_row(contact)
    _save_contact(
        contact, actor=actor, duplicate_field="number", duplicate_message="This customer already has this phone."
    )
    return contact


@transaction.atomic
def contact_phone_delete(
    *, contact: ContactPhone, actor: AbstractBaseUser | None = None, expected_updated_at: datetime | None = None
) -> None:
    _check_unlocked(contact)
    version_check(instance=contact, expected_updated_at=expected_updated_at, noun="phone")
    contact._history_user = actor
    contact.delete()
    search_index_refresh(customer_ids=[contact.customer_id])


@transaction.atomic
def contact_phone_set_locked(
    *, contact: ContactPhone, locked: bool, actor: AbstractBaseUser | None = None
) -> ContactPhone:
    if contact.is_locked != locked:
        contact.is_locked = locked
        contact._history_user = actor
        contact.save(update_fields=["is_locked", "updated_at"])
    return contact
