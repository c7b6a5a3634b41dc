"""Routes that answer with and without a trailing slash, and a JSON 404 for unknown API paths."""

from django.http import JsonResponse
from django.urls import re_path

from .envelope import error_body


def api_route(route: str, view, name: str):
    """``route`` without slashes at either end; matches ``route`` and ``route/``, no redirect."""
    return re_path(rf"^{route}/?$" if route else r"^/?$", view, name=name)


def api_not_found(request, *args, **kwargs):
    from core.middleware import new_request_id

    if not hasattr(request, "request_id"):
        request.request_id = new_request_id()
    return JsonResponse(error_body(request, f"No API endpoint at {request.path}."), status=404)
