"""Writes for organizations, branches, memberships and API keys."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.exceptions import Conflict, InvalidState

from .models import (
    HEAD_OFFICE_CODE,
    HEAD_OFFICE_NAME,
    ApiKey,
    ApiKeyScope,
    Branch,
    Membership,
    Organization,
    Role,
)

API_KEY_TAG = "chk"
# last_used_at is informative; writing it on every request would turn reads into writes.
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)


@transaction.atomic
def organization_create(
    *, name: str, slug: str, country: str = "KE", base_currency: str = "KES", timezone_name: str = "Africa/Nairobi"
) -> Organization:
    if Organization.objects.filter(slug=slug).exists():
        raise Conflict(f"An organization with the slug '{slug}' already exists.", field="slug")
    organization = Organization(
        name=name, slug=slug, country=country.upper(), base_currency=base_currency.upper(), timezone=timezone_name
    )
    organization.full_clean()
    organization.save()
    branch = Branch(organization=organization, code=HEAD_OFFICE_CODE, name=HEAD_OFFICE_NAME)
    branch.full_clean()
    branch.save()
    return organization


@transaction.atomic
def branch_create(*, organization: Organization, code: str, name: str, is_active: bool = True) -> Branch:
    if Branch.objects.filter(organization=organization, code=code).exists():
        raise Conflict(f"A branch with the code '{code}' already exists.", field="code")
    branch = Branch(organization=organization, code=code, name=name, is_active=is_active)
    branch.full_clean()
    branch.save()
    return branch


@transaction.atomic
def branch_update(*, branch: Branch, **data) -> Branch:
    allowed = {"code", "name", "is_active"}
    changed = [field for field in data if field in allowed]
    # Customers created without a branch land in the head office, so it has to stay open and keep
    # its code. The stored code is read because callers such as admin forms may have already
    # changed the instance.
    stored_code = Branch.objects.filter(pk=branch.pk).values_list("code", flat=True).first()
    if stored_code == HEAD_OFFICE_CODE:
        if "is_active" in changed and not data["is_active"]:
            raise InvalidState(
                f"The head office branch ({HEAD_OFFICE_CODE}) cannot be deactivated; customers without a branch "
                "are filed under it.",
                field="is_active",
            )
        if "code" in changed and data["code"] != HEAD_OFFICE_CODE:
            raise InvalidState(
                f"The head office branch keeps its code {HEAD_OFFICE_CODE}; rename it instead.", field="code"
            )
    for field in changed:
        setattr(branch, field, data[field])
    if "code" in changed and (
        Branch.objects.filter(organization=branch.organization, code=branch.code).exclude(pk=branch.pk).exists()
    ):
        raise Conflict(f"A branch with the code '{branch.code}' already exists.", field="code")
    branch.full_clean()
    branch.save(update_fields=[*changed, "updated_at"])
    return branch


@transaction.atomic
def membership_set(
    *,
    organization: Organization,
    username: str,
    role: str,
    password: str | None = None,
    is_superuser: bool = False,
    email: str = "",
) -> Membership:
    """Create the user if missing, then give them ``role`` in ``organization``."""
    if role not in Role.values:
        raise ValidationError({"role": [f"Choose one of: {', '.join(Role.values)}."]})
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if password is not None:
        user.set_password(password)
    if is_superuser:
        user.is_superuser = True
    # Members manage their organization's data in admin too (querysets are scoped there).
    user.is_staff = True
    user.save()
    membership, _ = Membership.objects.update_or_create(user=user, organization=organization, defaults={"role": role})
    return membership


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    secret: str  # the full key, shown once and never stored


@transaction.atomic
def api_key_create(
    *, organization: Organization, name: str, scope: str = ApiKeyScope.READ, created_by: AbstractBaseUser | None = None
) -> IssuedApiKey:
    if scope not in ApiKeyScope.values:
        raise ValidationError({"scope": [f"Choose one of: {', '.join(ApiKeyScope.values)}."]})
    prefix = secrets.token_hex(4)
    body = secrets.token_urlsafe(32)
    full_key = f"{API_KEY_TAG}_{prefix}_{body}"
    api_key = ApiKey(
        organization=organization,
        name=name,
        scope=scope,
        prefix=prefix,
        secret_hash=ApiKey.hash_secret(full_key),
        created_by=created_by,
    )
    api_key.full_clean()
    api_key.save()
    return IssuedApiKey(api_key=api_key, secret=full_key)


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_touch(*, api_key: ApiKey) -> None:
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= API_KEY_TOUCH_INTERVAL:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
