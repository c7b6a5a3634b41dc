"""Status changes and deletion of one customer (managers only, as in the API)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from core.web import HANDLED_ERRORS, apply_errors, organization_required
from customers import services
from customers.selectors import customer_get

# action → (service, what the message says happened)
STATUS_ACTIONS = {
    "archive": (services.customer_archive, "archived"),
    "unarchive": (services.customer_unarchive, "unarchived"),
    "block": (services.customer_block, "blocked"),
    "unblock": (services.customer_unblock, "unblocked"),
}


@require_POST
@organization_required(role=Role.MANAGER)
def customer_status(request: HttpRequest, customer_id: int, action: str) -> HttpResponse:
    if action not in STATUS_ACTIONS:
        raise Http404("No such action.")
    service, done = STATUS_ACTIONS[action]
    customer = customer_get(organization=request.organization, customer_id=customer_id)
    try:
        service(customer=customer, actor=request.user)
    except HANDLED_ERRORS as exc:
        apply_errors(error=exc, request=request)
    else:
        messages.success(request, f"{customer.name} {done}.")
    return redirect("customers:detail", customer_id=customer.pk)


@organization_required(role=Role.MANAGER)
def customer_delete(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A confirmation page, then the soft delete: the customer leaves every list; its ledger stays."""
    customer = customer_get(organization=request.organization, customer_id=customer_id)
    if request.method == "POST":
        try:
            services.customer_soft_delete(customer=customer, actor=request.user)
        except HANDLED_ERRORS as exc:
            apply_errors(error=exc, request=request)
            return redirect("customers:detail", customer_id=customer.pk)
        messages.success(request, f"{customer.name} ({customer.customer_no}) deleted. Its transactions are kept.")
        return redirect("customers:list")
    return render(request, "customers/delete_confirm.html", {"customer": customer})
