"""The response envelope of the API: ``{"status", "data", "meta", "message"}`` and its errors."""

from typing import Any

from django.utils import timezone
from rest_framework.response import Response


def envelope_meta(request, **extra: Any) -> dict[str, Any]:
    return {
        **extra,
        "timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "request_id": getattr(request, "request_id", ""),
    }


def success(
    request,
    data: Any = None,
    *,
    message: str | None = None,
    meta: dict[str, Any] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"status": "success"}
    if message:
        body["message"] = message
    body["data"] = data
    body["meta"] = envelope_meta(request, **(meta or {}))
    return Response(body, status=status, headers=headers)


def error_body(request, message: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "error", "message": message}
    if errors:
        body["errors"] = errors
    body["meta"] = envelope_meta(request)
    return body
