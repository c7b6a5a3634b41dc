"""Sign-in, sign-out and choosing the organization a staff member works for."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core.web import organization_choose


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@require_POST
@login_required
def organization_switch(request: HttpRequest) -> HttpResponse:
    raw_id = request.POST.get("organization", "")
    membership = (
        organization_choose(request=request, organization_id=int(raw_id))
        if raw_id.isdigit() and len(raw_id) < 19
        else None
    )
    if membership is None:
        messages.error(request, "You are not a member of that organization.")
    else:
        messages.success(request, f"You are now working in {membership.organization.name}.")
    # Pages of the previous organization (a customer, say) answer 404 in the new one, so start afresh.
    return redirect("dashboard")
