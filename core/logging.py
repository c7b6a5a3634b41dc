"""Structured logs: every line of a request carries its request id, organization and user or API key.

``RequestLogMiddleware`` opens the request's log context and writes one line per request;
``bind_log_context`` adds to it once more is known (the API learns the organization and the key
only after authentication). ``RequestContextFilter`` copies the context onto each record and
``JsonFormatter`` writes a record as one JSON line.
"""

import json
import logging
import time
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

CONTEXT_FIELDS = ("request_id", "organization", "user_id", "api_key", "task", "task_id", "job_id")

# The attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged too.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

# Django's request logging passes the request object itself; its context is logged instead.
_IGNORED_EXTRAS = _RECORD_ATTRIBUTES | set(CONTEXT_FIELDS) | {"request"}

_log_context: ContextVar[dict[str, Any] | None] = ContextVar("log_context", default=None)

request_logger = logging.getLogger("customerhub.request")


def log_context() -> dict[str, Any]:
    return dict(_log_context.get() or {})


def open_log_context(**values: Any) -> Token:
    """Start a fresh log context (a request, a task); pass the token to ``close_log_context`` at its end."""
    return _log_context.set({key: value for key, value in values.items() if value is not None})


def close_log_context(token: Token | None = None) -> None:
    """End the context opened with ``token``; without one, clear whatever context is open."""
    if token is None:
        _log_context.set(None)
    else:
        _log_context.reset(token)


def bind_log_context(**values: Any) -> None:
    """Add ``values`` to the current request's log context (outside a request there is none to add to)."""
    current = _log_context.get()
    if current is not None:
        _log_context.set({**current, **{key: value for key, value in values.items() if value is not None}})


def _record_context(record: logging.LogRecord) -> dict[str, Any]:
    # Django logs a 4xx/5xx answer ("Not Found: /path") after the middleware has returned; the
    # record carries the request, which keeps the context the middleware closed.
    context = _log_context.get()
    if context:
        return context
    request = getattr(record, "request", None)
    return getattr(request, "log_context", None) or {"request_id": getattr(request, "request_id", None)}


class RequestContextFilter(logging.Filter):
    """Copy the request's context onto every record, so any formatter can show it."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _record_context(record)
        for field in CONTEXT_FIELDS:
            if not hasattr(record, field):
                setattr(record, field, context.get(field))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the request context and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = _record_context(record)
        for field in CONTEXT_FIELDS:
            value = getattr(record, field, None) or context.get(field)
            if value is not None:
                payload[field] = value
        for key, value in vars(record).items():
            if key not in _IGNORED_EXTRAS and key not in payload and key[0] != "_":
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


class RequestLogMiddleware:
    """Open the log context of a request and write one line when it is answered.

    Sits after AuthenticationMiddleware: a signed-in user is known from the session, and the
    organization of a page is known once its view has chosen it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = open_log_context(request_id=getattr(request, "request_id", None))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            self._bind_caller(request)
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request.log_context = log_context()
            close_log_context(token)

    @staticmethod
    def _bind_caller(request) -> None:
        context = _log_context.get() or {}
        if "organization" not in context:
            organization = getattr(request, "organization", None)
            bind_log_context(organization=getattr(organization, "slug", None))
        if "api_key" in context or "user_id" in context:
            return
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.pk is not None:
            bind_log_context(user_id=user.pk)
