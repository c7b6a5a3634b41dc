"""The customer list: live search, filters, sorting, pages, exports and bulk archive."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import Role
from core.web import HANDLED_ERRORS, apply_errors, organization_required
from customers import services
from customers.filters import CustomerFilterSet
from customers.forms import CustomerFilterForm
from customers.listing import CustomerListing
from customers.selectors import customer_list

from .rendering import render_page_or_part

LIST_FILTERS = frozenset(CustomerFilterSet.base_filters)
PER_PAGE = 25
QUICK_RESULTS = 8
# Sortable columns: the column's key → the ordering the API accepts for it.
SORTABLE_COLUMNS = {"name": "name", "balance": "balance", "created": "created_at"}
EXPORT_FORMATS = (("xlsx", "Excel"), ("csv", "CSV"), ("pdf", "PDF"))


def list_filters_from(query) -> dict[str, str]:
    """The list filters in ``query`` that carry a value, under the API's names."""
    return {name: value.strip() for name, value in query.items() if name in LIST_FILTERS and value.strip()}


def _sort_links(filters: dict[str, str]) -> dict[str, dict[str, str]]:
    current = filters.get("ordering", "")
    links = {}
    for column, field in SORTABLE_COLUMNS.items():
        if current == field:
            state, next_ordering = "ascending", f"-{field}"
        elif current == f"-{field}":
            state, next_ordering = "descending", field
        else:
            # Money and dates are read largest/newest first; names and numbers from A.
            state, next_ordering = "none", f"-{field}" if field in {"balance", "created_at"} else field
        query = {name: value for name, value in filters.items() if name != "ordering"} | {"ordering": next_ordering}
        links[column] = {"state": state, "url": f"?{urlencode(query)}"}
    return links


@organization_required
def customer_list_page(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    form = CustomerFilterForm(request.GET or None, organization=organization)
    if form.is_bound:
        form.is_valid()
    filters = list_filters_from(request.GET)
    try:
        customers = CustomerListing(organization=organization, filters=filters)
    except ValidationError as exc:
        apply_errors(error=exc, form=form)
        customers = CustomerListing.none(organization=organization)

    if request.htmx and request.htmx.target == "quick-results":
        results = customers[:QUICK_RESULTS] if filters.get("search") else []
        return render(request, "customers/partials/quick_results.html", {"results": results, "filters": filters})

    page = Paginator(customers, PER_PAGE).get_page(request.GET.get("page"))
    export_url = reverse("api:customer-export")
    context = {
        "form": form,
        "page": page,
        "total": customers.total,
        "filters": filters,
        "sort_links": _sort_links(filters),
        # The export endpoints take the list's own parameters, so a file holds exactly what is shown.
        "export_links": [
            (label, f"{export_url}?{urlencode({'format': fmt, **filters})}") for fmt, label in EXPORT_FORMATS
        ],
        "page_query": urlencode(filters),
        "list_url": f"{request.path}?{urlencode(filters)}" if filters else request.path,
    }
    return render_page_or_part(
        request, page="customers/list.html", parts={"results": "customers/partials/results.html"}, context=context
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@require_POST
@organization_required(role=Role.MANAGER)
def customer_bulk_archive(request: HttpRequest) -> HttpResponse:
    """Archive the ticked customers after the user has seen and confirmed the list."""
    raw_ids = request.POST.getlist("customer")
    ids = [int(value) for value in raw_ids if value.isdigit() and len(value) < 19]
    back = _safe_next(request, reverse("customers:list"))
    customers = list(customer_list(organization=request.organization).filter(pk__in=ids).order_by("name", "id"))
    if not customers:
        messages.error(request, "Select at least one customer to archive.")
        return redirect(back)
    if request.POST.get("confirm") != "yes":
        return render(request, "customers/bulk_archive_confirm.html", {"customers": customers, "next": back})
    archived = 0
    for customer in customers:
        try:
            services.customer_archive(customer=customer, actor=request.user)
            archived += 1
        except HANDLED_ERRORS as exc:
            apply_errors(error=exc, request=request)
    noun = "customer" if archived == 1 else "customers"
    messages.success(request, f"{archived} {noun} archived.")
    return redirect(back)
