"""What every staff page shares: the organization it acts for, the caller's role, and one error mapping.

The organization is chosen the way the API chooses it for a browser session (the same session
key), so a page and the API calls it links to always act for the same organization.
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import Membership, Role
from core.api.access import SESSION_ORGANIZATION_KEY
from core.exceptions import DomainError, NotFound


def membership_for(*, request: HttpRequest) -> Membership | None:
    """The membership chosen in the session, else the user's first organization by name."""
    memberships = Membership.objects.select_related("organization").filter(user=request.user)
    chosen = request.session.get(SESSION_ORGANIZATION_KEY)
    if chosen:
        membership = memberships.filter(organization_id=chosen).first()
        if membership is not None:
            return membership
    return memberships.order_by("organization__name").first()


def organization_choose(*, request: HttpRequest, organization_id: int) -> Membership | None:
    """Make ``organization_id`` the session's organization if the user is a member of it."""
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=request.user, organization_id=organization_id)
        .first()
    )
    if membership is not None:
        request.session[SESSION_ORGANIZATION_KEY] = membership.organization_id
    return membership


def organization_required(view: Callable | None = None, *, role: str = Role.VIEWER) -> Callable:
    """Sign-in, an organization and at least ``role`` in it; sets request.organization and request.role.

    A missing or foreign record (core.exceptions.NotFound from a selector) becomes a 404 page, and
    a role below ``role`` a 403, exactly where the API answers 404 and 403.
    """

    def decorator(view_func: Callable) -> Callable:
        @wraps(view_func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                if request.htmx:
                    # A redirect would be swapped into the page as a fragment; send the whole tab instead.
                    page = request.htmx.current_url_abs_path or "/"
                    return HttpResponseClientRedirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': page})}")
                return redirect_to_login(request.get_full_path())
            membership = membership_for(request=request)
            if membership is None:
                raise PermissionDenied("You are not a member of any organization; ask an administrator to add you.")
            request.membership = membership
            request.organization = membership.organization
            request.role = membership.role
            request.can_edit = membership.has_role(Role.CLERK)
            request.can_manage = membership.has_role(Role.MANAGER)
            if not membership.has_role(role):
                raise PermissionDenied(
                    f"Your role ({membership.get_role_display().lower()}) does not allow this; "
                    f"it needs {Role(role).label.lower()}."
                )
            try:
                # Pages show times as the organization's exports and statements do: in its timezone.
                with timezone.override(ZoneInfo(membership.organization.timezone)):
                    return view_func(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from exc

        return wrapper

    if view is not None:
        return decorator(view)
    return decorator


def error_messages(error: Exception) -> dict[str | None, list[str]]:
    """A service's refusal as messages per field (None: not about one field)."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return {
                (None if field == NON_FIELD_ERRORS else field): list(messages_)
                for field, messages_ in error.message_dict.items()
            }
        return {None: list(error.messages)}
    if isinstance(error, DomainError):
        return {error.field: [error.message]}
    raise TypeError(f"Not a domain or validation error: {error!r}")


def apply_errors(*, error: Exception, form: forms.BaseForm | None = None, request: HttpRequest | None = None) -> None:
    """Show ``error`` where the user will see it: beside its field when ``form`` has that field,
    otherwise at the top of the form, or as a page message when there is no form."""
    for field, texts in error_messages(error).items():
        if form is not None:
            target = field if field in form.fields else None
            if target is not None and form.has_error(target):
                continue  # the form already says what is wrong with this field, in its own words
            if target is None and field is not None:
                texts = [f"{field.replace('_', ' ').capitalize()}: {text}" for text in texts]
            form.add_error(target, texts)
        elif request is not None:
            for text in texts:
                messages.error(request, text)
        else:
            raise error


HANDLED_ERRORS = (DomainError, ValidationError)


def htmx_or_redirect(request: HttpRequest, *, part: str, context: dict, to: str) -> HttpResponse:
    """After an inline change: the refreshed part for htmx, a redirect back to the page without JavaScript."""
    if request.htmx:
        return render(request, part, context)
    return redirect(to)


def panel_or_page(
    request: HttpRequest, *, panel: str, context: dict, heading: str, parent_title: str, parent_url: str
) -> HttpResponse:
    """An inline panel (a form, a confirmation) for htmx; without JavaScript the same panel on a page of its own."""
    if request.htmx:
        return render(request, panel, context)
    page = {"panel_template": panel, "heading": heading, "parent_title": parent_title, "parent_url": parent_url}
    return render(request, "settings/panel_page.html", {**context, **page})
