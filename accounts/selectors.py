"""Reads for organizations, branches, memberships and API keys."""

from functools import cache

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models
from django.db.models import Count, Q, QuerySet

from core.exceptions import NotFound

from .models import HEAD_OFFICE_CODE, ApiKey, Branch, Membership, Organization


def organization_get_by_slug(*, slug: str) -> Organization:
    try:
        return Organization.objects.get(slug=slug)
    except Organization.DoesNotExist as exc:
        raise NotFound(f"Organization '{slug}' not found.") from exc


def organization_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).order_by("name")


def membership_get(*, user: AbstractBaseUser, organization: Organization) -> Membership | None:
    return Membership.objects.filter(user=user, organization=organization).first()


def _with_customer_count(branches: QuerySet[Branch]) -> QuerySet[Branch]:
    return branches.annotate(
        customer_count=Count("customers", filter=Q(customers__deleted_at__isnull=True), distinct=True)
    )


def branch_list(
    *, organization: Organization, active_only: bool = False, with_customer_count: bool = False
) -> QuerySet[Branch]:
    branches = Branch.objects.filter(organization=organization)
    if active_only:
        branches = branches.filter(is_active=True)
    if with_customer_count:
        branches = _with_customer_count(branches)
    return branches.order_by("code")


def branch_get(*, organization: Organization, branch_id: int, with_customer_count: bool = False) -> Branch:
    branches = Branch.objects.filter(organization=organization)
    if with_customer_count:
        branches = _with_customer_count(branches)
    try:
        return branches.get(pk=int(branch_id))
    except (Branch.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("Branch not found", field="branch_id") from exc


def branch_get_by_code(*, organization: Organization, code: str) -> Branch:
    try:
        return Branch.objects.get(organization=organization, code=code)
    except Branch.DoesNotExist as exc:
        raise NotFound(f"Branch '{code}' not found.", field="branch_id") from exc


def head_office(*, organization: Organization) -> Branch:
    return branch_get_by_code(organization=organization, code=HEAD_OFFICE_CODE)


def api_key_list(*, organization: Organization) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(organization=organization).select_related("created_by").order_by("-created_at")


def api_key_get(*, organization: Organization, key_id: int) -> ApiKey:
    try:
        return api_key_list(organization=organization).get(pk=int(key_id))
    except (ApiKey.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("API key not found") from exc


# Every API request starts with finding its key and the key's organization. Written as one plain
# statement, as compiling the same lookup and join through the ORM cost three times as much as
# running it. raw() converts the key's own fields as a queryset would; of the organization, only
# the columns both drivers return as they are stored (text and whole numbers) are read, and the
# others (its timestamps) are left to load if something asks for them.
_STORED_AS_READ = (models.CharField, models.TextField, models.IntegerField)  # their subclasses (slugs, ids) too
_KEY_ORGANIZATION_FIELDS = tuple(
    field for field in Organization._meta.concrete_fields if isinstance(field, _STORED_AS_READ)
)


@cache
def _api_key_with_organization_sql() -> str:
    quote = connection.ops.quote_name
    key_organization = quote(ApiKey._meta.get_field("organization").column)
    organization_columns = ", ".join(
        f"organization.{quote(field.column)} AS {quote('organization__' + field.attname)}"
        for field in _KEY_ORGANIZATION_FIELDS
    )
    # Table and column names come from the models; the prefix is the one parameter.
    return (
        f"SELECT api_key.*, {organization_columns} FROM {quote(ApiKey._meta.db_table)} AS api_key "  # noqa: S608
        f"JOIN {quote(Organization._meta.db_table)} AS organization "
        f"ON organization.{quote(Organization._meta.pk.column)} = api_key.{key_organization} "
        "WHERE api_key.prefix = %s AND api_key.revoked_at IS NULL"
    )


def api_key_find(*, raw_key: str) -> ApiKey | None:
    """The active key whose secret is ``raw_key``, compared in constant time, or None."""
    parts = raw_key.split("_", 2)
    if len(parts) != 3:
        return None
    api_key = next(iter(ApiKey.objects.raw(_api_key_with_organization_sql(), [parts[1]])), None)
    if api_key is None or not api_key.secret_matches(raw_key):
        return None
    values = [api_key.__dict__.pop(f"organization__{field.attname}") for field in _KEY_ORGANIZATION_FIELDS]
    api_key.organization = Organization.from_db(
        api_key._state.db, [field.attname for field in _KEY_ORGANIZATION_FIELDS], values
    )
    return api_key
