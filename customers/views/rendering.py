"""How a page answers a normal request and an htmx request for one of its parts."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page_or_part(
    request: HttpRequest,
    *,
    page: str,
    parts: dict[str, str],
    context: dict,
    status: int = 200,
) -> HttpResponse:
    """The full ``page``, or the part an htmx request targets (``parts`` maps target ids to templates)."""
    target = request.htmx.target if request.htmx else None
    template = parts.get(target, page) if target else page
    return render(request, template, context, status=status)
