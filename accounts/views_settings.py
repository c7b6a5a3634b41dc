"""The organization's settings pages: branches (every member reads, managers change) and API keys
(managers only, as in the API)."""

import secrets

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ApiKeyCreateForm, BranchCreateForm, BranchEditForm
from accounts.models import Branch, Role
from accounts.selectors import api_key_get, api_key_list, branch_get, branch_list
from core.web import HANDLED_ERRORS, apply_errors, htmx_or_redirect, organization_required, panel_or_page

BRANCHES_PANEL = "settings/partials/branches_panel.html"


def _branches_context(request: HttpRequest, *, form=None, editing=None) -> dict:
    return {
        "branches": branch_list(organization=request.organization, with_customer_count=True),
        "form": form,
        "editing": editing,
    }


def _branches_answer(request: HttpRequest, context: dict, *, heading: str) -> HttpResponse:
    return panel_or_page(
        request,
        panel=BRANCHES_PANEL,
        context=context,
        heading=heading,
        parent_title="Branches",
        parent_url=reverse("branches"),
    )


def _branches_done(request: HttpRequest) -> HttpResponse:
    return htmx_or_redirect(request, part=BRANCHES_PANEL, context=_branches_context(request), to=reverse("branches"))


@organization_required
def branches(request: HttpRequest) -> HttpResponse:
    if request.htmx:
        return render(request, BRANCHES_PANEL, _branches_context(request))
    return render(request, "settings/branches.html", _branches_context(request))


@organization_required(role=Role.MANAGER)
def branch_create(request: HttpRequest) -> HttpResponse:
    form = BranchCreateForm(request.POST if request.method == "POST" else None, prefix="branch")
    if request.method == "POST" and form.is_valid():
        try:
            branch = services.branch_create(organization=request.organization, **form.cleaned_data)
        except HANDLED_ERRORS as exc:
            apply_errors(error=exc, form=form)
        else:
            messages.success(request, f"Branch {branch.code} {branch.name} opened.")
            return _branches_done(request)
    return _branches_answer(request, _branches_context(request, form=form, editing="new"), heading="New branch")


@organization_required(role=Role.MANAGER)
def branch_edit(request: HttpRequest, branch_id: int) -> HttpResponse:
    branch: Branch = branch_get(organization=request.organization, branch_id=branch_id)
    label = str(branch)
    form = BranchEditForm(
        request.POST if request.method == "POST" else None,
        initial={"name": branch.name, "is_active": branch.is_active},
        prefix="branch",
    )
    if request.method == "POST" and form.is_valid():
        try:
            branch = services.branch_update(branch=branch, **form.cleaned_data)
        except HANDLED_ERRORS as exc:
            apply_errors(error=exc, form=form)
        else:
            state = "" if branch.is_active else " (inactive)"
            messages.success(request, f"Branch {branch.code} {branch.name}{state} saved.")
            return _branches_done(request)
    context = _branches_context(request, form=form, editing=branch.pk)
    return _branches_answer(request, context, heading=f"Edit branch {label}")


# The create form carries a one-time token: sending the same form twice (reloading the page that
# shows a new key's secret re-posts it) must not issue a second key that nobody holds the secret of.
API_KEY_FORM_TOKENS = "api_key_form_tokens"
API_KEY_FORM_TOKENS_KEPT = 20


def _api_key_form_token(request: HttpRequest) -> str:
    token = secrets.token_urlsafe(16)
    tokens = request.session.get(API_KEY_FORM_TOKENS, [])
    request.session[API_KEY_FORM_TOKENS] = [*tokens, token][-API_KEY_FORM_TOKENS_KEPT:]
    return token


def _api_key_form_token_spent(request: HttpRequest) -> bool:
    """Whether the posted form's token was used before (or never given); a fresh one is used up here."""
    token = request.POST.get("form_token", "")
    tokens = request.session.get(API_KEY_FORM_TOKENS, [])
    if token not in tokens:
        return True
    request.session[API_KEY_FORM_TOKENS] = [kept for kept in tokens if kept != token]
    return False


def _api_keys_page(request: HttpRequest, *, form: ApiKeyCreateForm) -> HttpResponse:
    context = {
        "api_keys": api_key_list(organization=request.organization),
        "form": form,
        "form_token": _api_key_form_token(request),
    }
    return render(request, "settings/api_keys.html", context)


@organization_required(role=Role.MANAGER)
def api_keys(request: HttpRequest) -> HttpResponse:
    return _api_keys_page(request, form=ApiKeyCreateForm(prefix="api_key"))


@require_POST
@organization_required(role=Role.MANAGER)
def api_key_create(request: HttpRequest) -> HttpResponse:
    """The new key's secret appears in this response and nowhere else: it is neither stored nor
    redirected to, so reloading the list never shows it again."""
    if _api_key_form_token_spent(request):
        messages.info(
            request,
            "That form was already sent: its key exists, and its secret was shown once. Create another if needed.",
        )
        return redirect("api_keys")
    form = ApiKeyCreateForm(request.POST, prefix="api_key")
    if form.is_valid():
        try:
            issued = services.api_key_create(
                organization=request.organization, created_by=request.user, **form.cleaned_data
            )
        except HANDLED_ERRORS as exc:
            apply_errors(error=exc, form=form)
        else:
            response = render(
                request, "settings/api_key_created.html", {"api_key": issued.api_key, "secret": issued.secret}
            )
            # Keep the page holding the secret out of browser and proxy caches.
            add_never_cache_headers(response)
            return response
    return _api_keys_page(request, form=form)


@organization_required(role=Role.MANAGER)
def api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    """A confirmation page, then the revocation: from then on the key answers 401."""
    api_key = api_key_get(organization=request.organization, key_id=key_id)
    if request.method == "POST":
        if api_key.is_active:
            services.api_key_revoke(api_key=api_key)
            messages.success(request, f"API key {api_key.name} ({api_key.prefix}) revoked; it no longer works.")
        else:
            messages.info(request, f"API key {api_key.name} ({api_key.prefix}) was already revoked.")
        return redirect("api_keys")
    return render(request, "settings/api_key_revoke_confirm.html", {"api_key": api_key})
