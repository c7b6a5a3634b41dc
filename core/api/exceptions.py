"""One exception handler: every API error, DRF's own included, leaves in the error envelope."""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from core.exceptions import DomainError
from core.middleware import (
    DATABASE_RETRY_AFTER_SECONDS,
    DATABASE_UNAVAILABLE_MESSAGE,
    database_unavailable_noted,
    database_unreachable,
)

from .envelope import error_body

logger = logging.getLogger("customerhub.api")

DEFAULT_MESSAGES = {
    400: "Bad request.",
    401: "Authentication credentials were not provided or are invalid.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
    406: "Not acceptable.",
    413: "The request body is too large.",
    415: "Unsupported media type.",
    429: "Too many requests.",
}


def _as_strings(detail) -> list[str]:
    if isinstance(detail, list | tuple):
        return [message for item in detail for message in _as_strings(item)]
    if isinstance(detail, dict):
        return [f"{key}: {message}" for key, value in detail.items() for message in _as_strings(value)]
    return [str(detail)]


def _field_errors(detail, aliases: dict[str, str]) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {aliases.get(field, field): _as_strings(value) for field, value in detail.items()}
    return {"non_field_errors": _as_strings(detail)}


def _view_aliases(context) -> dict[str, str]:
    view = (context or {}).get("view")
    return getattr(view, "error_field_aliases", {}) if view is not None else {}


def api_exception_handler(exc, context):
    request = (context or {}).get("request")
    aliases = _view_aliases(context)
    headers: dict[str, str] = {}

    if database_unreachable(exc):
        database_unavailable_noted(getattr(request, "_request", request), exc)
        return Response(
            error_body(request, DATABASE_UNAVAILABLE_MESSAGE),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, DomainError):
        errors = {aliases.get(field, field): messages for field, messages in exc.errors.items()}
        return Response(error_body(request, exc.message, errors), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            error_body(request, "Validation failed", _field_errors(detail, aliases)),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            error_body(request, "An unexpected error occurred; quote the request id when reporting it."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    code = exc.status_code
    if isinstance(exc, exceptions.ValidationError):
        body = error_body(request, "Validation failed", _field_errors(exc.detail, aliases))
    else:
        message = exc.detail if isinstance(exc.detail, str) else " ".join(_as_strings(exc.detail))
        body = error_body(request, str(message) or DEFAULT_MESSAGES.get(code, "Error."))
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))
        body["message"] = f"Too many requests; retry in {headers['Retry-After']} seconds."
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    return Response(body, status=code, headers=headers)
