"""Request-wide concerns: the request id, the answer to a lost database, the Content-Security-Policy,
and caching of pages that htmx also asks for in parts."""

import logging
import re
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers

from core.api.envelope import error_body

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
# An incoming id is reused only when it is short and plain, so it cannot smuggle text into logs.
ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")

DATABASE_UNAVAILABLE_MESSAGE = (
    "The database cannot be reached right now; try again in a minute. "
    "If this keeps happening, quote the request id when reporting it."
)
DATABASE_RETRY_AFTER_SECONDS = 30
# PostgreSQL's codes for a connection that failed or was ended by the server (a restart, a failover,
# pg_terminate_backend): class 08, and the 57P0x shutdown codes.
LOST_CONNECTION_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
# SQLite's equivalents: the database file cannot be opened or read. A busy database (another
# writer holding the lock) is a lock wait, not an outage.
LOST_DATABASE_SQLITE_ERRORS = ("SQLITE_CANTOPEN", "SQLITE_IOERR")

CSP_HEADER = "Content-Security-Policy"
CSP_NONCE_PLACEHOLDER = "{nonce}"

database_logger = logging.getLogger("customerhub.database")


def new_request_id() -> str:
    return f"req_{uuid.uuid4().hex}"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(REQUEST_ID_HEADER, "")
        request.request_id = incoming if ACCEPTABLE_REQUEST_ID.match(incoming) else new_request_id()
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


# --- A lost database ---------------------------------------------------------------------------


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database connection is gone, rather than that a query was wrong.

    Django wraps the driver's error and keeps it as the cause; a cause without a code of its own
    (psycopg's "server closed the connection unexpectedly", "connection refused") is a lost connection.
    """
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlite_error = getattr(cause, "sqlite_errorname", None)
    if sqlite_error is not None:
        return sqlite_error.startswith(LOST_DATABASE_SQLITE_ERRORS)
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate.startswith("08") or sqlstate in LOST_CONNECTION_SQLSTATES
    return True


def database_unavailable_noted(request, exc: BaseException) -> None:
    """Log the outage with the request it failed, and keep later layers off the lost connection.

    The request log asks who is signed in once the answer is ready; if the database went away
    before the user was loaded, that would query it again and turn the 503 into a 500.
    """
    database_logger.error(
        "The database is unavailable; %s %s answered 503 (%s: %s)",
        request.method,
        request.path,
        exc.__class__.__name__,
        str(exc).strip().splitlines()[0] if str(exc).strip() else "",
        exc_info=exc,
        extra={"request_id": getattr(request, "request_id", None)},
    )
    if getattr(request, "_cached_user", None) is None:
        request.user = AnonymousUser()


class DatabaseUnavailableMiddleware:
    """A request whose database connection is lost answers 503: a plain page, or the API's envelope.

    The API's own exception handler answers the API's views; this catches what reaches Django's
    handler, so a page never shows a 500 and a traceback for an outage it cannot fix.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unreachable(exception):
            return None
        database_unavailable_noted(request, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse(error_body(request, DATABASE_UNAVAILABLE_MESSAGE), status=503)
        else:
            # Rendered without the request: the context processors would ask the database for the user.
            page = render_to_string(
                "503.html",
                {
                    "request_id": getattr(request, "request_id", ""),
                    "retry_url": request.get_full_path() if request.method == "GET" else "",
                },
            )
            response = HttpResponse(page, status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response


# --- Content-Security-Policy -------------------------------------------------------------------


def content_security_policy(path: str, nonce: str) -> str:
    """The policy of the page at ``path``: CONTENT_SECURITY_POLICY, with the first matching override."""
    directives = dict(settings.CONTENT_SECURITY_POLICY)
    for prefix, override in settings.CONTENT_SECURITY_POLICY_OVERRIDES:
        if path.startswith(prefix):
            directives.update(override)
            break
    return "; ".join(
        " ".join([name, *(source.replace(CSP_NONCE_PLACEHOLDER, nonce) for source in sources)])
        for name, sources in directives.items()
    )


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy with every HTML answer.

    A script or style that was injected into a page (a customer name holding ``<script>``) does
    not run: scripts and styles come from this site's static files, or are inline with the
    request's nonce (``nonce="{{ request.csp_nonce }}"``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if CSP_HEADER in response or not response.get("Content-Type", "").startswith("text/html"):
            return response
        # With DEBUG on, Django's own error pages (tracebacks, the URL list) rely on inline script and style.
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        response[CSP_HEADER] = content_security_policy(request.path, request.csp_nonce)
        return response


class HtmxVaryMiddleware:
    """Tell caches that an HTML answer depends on htmx's request headers.

    A page and the part of it that htmx fetches share one URL (htmx pushes that URL to the address
    bar). Without ``Vary``, the browser's Back button may show the cached part alone as the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response
