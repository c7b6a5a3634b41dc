"""Request id: every response carries the id its logs and error reports are filed under."""

import re
import uuid

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
# An incoming id is reused only when it is short and plain, so it cannot smuggle text into logs.
ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


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
