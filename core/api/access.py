"""Who is calling and on behalf of which organization: API keys, staff sessions, roles and scopes."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ROLE_RANK, ApiKey, ApiKeyScope, Membership, Organization, Role
from accounts.selectors import api_key_find
from accounts.services import api_key_touch
from core.logging import bind_log_context

ORGANIZATION_HEADER = "HTTP_X_ORGANIZATION"
SESSION_ORGANIZATION_KEY = "organization_id"


class ApiKeyPrincipal:
    """Stands in for request.user when a request is authenticated by an API key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.username = f"api-key:{api_key.prefix}"

    def __str__(self) -> str:
        return f"API key {self.api_key.name} ({self.api_key.prefix}…)"


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        keyword, _, raw_key = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        raw_key = raw_key.strip()
        if not raw_key:
            raise exceptions.AuthenticationFailed("The Authorization header has no API key after 'Bearer'.")
        api_key = api_key_find(raw_key=raw_key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        api_key_touch(api_key=api_key)
        # The Django request carries the key too: history rows and logs read it from there.
        request._request.api_key = api_key
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request):
        return self.keyword


class StaffSessionAuthentication(SessionAuthentication):
    """Logged-in staff use the API from their browser session (CSRF enforced on writes)."""


@dataclass(frozen=True)
class Access:
    organization: Organization
    role: str  # the role, or the role a key's scope amounts to
    user: AbstractBaseUser | None
    api_key: ApiKey | None

    @property
    def actor(self) -> AbstractBaseUser | None:
        return self.user

    def allows(self, role: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]


def _session_membership(request) -> Membership | None:
    memberships = Membership.objects.select_related("organization").filter(user=request.user)
    slug = request.META.get(ORGANIZATION_HEADER)
    if slug:
        return memberships.filter(organization__slug=slug).first()
    chosen = request.session.get(SESSION_ORGANIZATION_KEY) if hasattr(request, "session") else None
    if chosen:
        membership = memberships.filter(organization_id=chosen).first()
        if membership is not None:
            return membership
    return memberships.order_by("organization__name").first()


def resolve_access(request) -> Access:
    if isinstance(request.auth, ApiKey):
        api_key = request.auth
        bind_log_context(organization=api_key.organization.slug, api_key=api_key.prefix)
        # A write key acts with a manager's rights, a read key with a viewer's.
        role = Role.MANAGER if api_key.scope == ApiKeyScope.WRITE else Role.VIEWER
        return Access(organization=api_key.organization, role=role, user=None, api_key=api_key)
    bind_log_context(user_id=request.user.pk)
    membership = _session_membership(request)
    if membership is None:
        raise exceptions.PermissionDenied("You are not a member of any organization.")
    bind_log_context(organization=membership.organization.slug)
    return Access(organization=membership.organization, role=membership.role, user=request.user, api_key=None)


class OrganizationRole(BasePermission):
    """Resolve the caller's organization and check the role the view's action needs."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated("Send an API key as 'Authorization: Bearer <key>'.")
        access = resolve_access(request)
        request.access = access
        needed = view.required_role(request)
        if access.allows(needed):
            return True
        if access.api_key is not None:
            raise exceptions.PermissionDenied("This API key is read-only; use a key with the write scope.")
        raise exceptions.PermissionDenied(f"Your role ({access.role}) does not allow this action; it needs {needed}.")


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per minute per API key (per user for sessions, per address otherwise)."""

    scope = "api"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            ident = f"key-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def required_role_default(request, manager_actions: frozenset[str], action: str | None) -> str:
    if action in manager_actions:
        return Role.MANAGER
    if request.method in SAFE_METHODS:
        return Role.VIEWER
    return Role.CLERK
