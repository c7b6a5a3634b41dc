"""Sign-in throttling: repeated failed passwords lock a username out from an address for a while.

django-axes counts the failures of every sign-in that goes through ``authenticate(request, ...)``:
the admin's login page and the staff login page. API keys are not passwords and are throttled per
key by the API itself.
"""

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape

from core.api.envelope import error_body


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come with a request.

    ``authenticate()`` without a request (a management command checking a password) has no
    address to count failures against, so it is left to the next backend instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or (
        request.accepts("application/json") and not request.accepts("text/html")
    )


def login_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The answer to a sign-in while its username and address are locked out: 429 with Retry-After."""
    cool_off = get_cool_off(request)
    seconds = max(1, math.ceil(cool_off.total_seconds())) if cool_off else 3600
    minutes = max(1, math.ceil(seconds / 60))
    message = (
        f"Too many failed sign-in attempts for this account from your address. "
        f"Try again in {minutes} minutes, or ask an administrator to unlock it."
    )
    if _wants_json(request):
        response: HttpResponse = JsonResponse(error_body(request, message), status=429)
    else:
        response = HttpResponse(
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Sign-in locked</title></head>"
            f"<body><main><h1>Sign-in locked</h1><p>{escape(message)}</p></main></body></html>",
            status=429,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(seconds)
    return response
