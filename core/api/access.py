"""Who is calling and on behalf of which organization: API keys, staff sessions, roles and scopes."""

import logging
import math
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ROLE_RANK, ApiKey, ApiKeyScope, Membership, Organization, Role
from accounts.selectors import api_key_find
from accounts.services import api_key_touch
from core.cache import UNREACHABLE
from core.logging import bind_log_context

ORGANIZATION_HEADER = "HTTP_X_ORGANIZATION"
SESSION_ORGANIZATION_KEY = "organization_id"

cache_logger = logging.getLogger("customerhub.cache")


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
    """Requests per minute per API key (per user for sessions, per address otherwise).

    A counter per caller whose window opens with the caller's first request and lasts the rate's
    period; once it holds more than the rate allows, requests are refused until the window
    closes, and Retry-After says when that is. On Redis the count is one round trip of constant
    size (DRF's default re-reads and rewrites the list of every request time in the period).
    """

    scope = "api"
    cache_format = "throttle_%(scope)s_%(ident)s_window"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            ident = f"key-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        counted = window_count(self.key, period=self.duration, now=self.timer())
        if counted is None:
            return True
        count, self.seconds_left = counted
        return count <= self.num_requests

    def wait(self) -> float:
        return self.seconds_left


def window_count(key: str, *, period: int, now: float) -> tuple[int, float] | None:
    """Count a request in ``key``'s window: the requests it holds now, and the seconds until it closes.

    The window opens with the first request and lasts ``period`` seconds. None while the cache
    cannot be reached: like the cache, the limit then fails open.
    """
    cache = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(cache, RedisCache):
        return _redis_window_count(cache, key, period=period)
    # Other caches (the test and development settings): a read and a write, as DRF's throttles do.
    closes_at, count = cache.get(key) or (now + period, 0)
    if closes_at <= now:
        closes_at, count = now + period, 0
    count += 1
    cache.set(key, (closes_at, count), timeout=math.ceil(closes_at - now))
    return count, closes_at - now


def _redis_window_count(cache: RedisCache, key: str, *, period: int) -> tuple[int, float] | None:
    redis_key = cache.make_and_validate_key(key)
    try:
        # The client over the cache's own connection pool, as RedisCache.set_many uses it.
        client = cache._cache.get_client(redis_key, write=True)
        with client.pipeline(transaction=True) as pipeline:
            pipeline.set(redis_key, 0, ex=period, nx=True)
            pipeline.incr(redis_key)
            pipeline.pttl(redis_key)
            _, count, milliseconds_left = pipeline.execute()
    except UNREACHABLE as exc:
        cache_logger.warning("Cache unavailable (%s); the API rate limit was not applied", exc.__class__.__name__)
        return None
    return count, max(milliseconds_left, 0) / 1000


def required_role_default(request, manager_actions: frozenset[str], action: str | None) -> str:
    if action in manager_actions:
        return Role.MANAGER
    if request.method in SAFE_METHODS:
        return Role.VIEWER
    return Role.CLERK
