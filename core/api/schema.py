"""OpenAPI descriptions of the envelope, so the schema shows what the wire carries."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers


def _meta_named(name: str, **fields: serializers.Field):
    """An envelope's ``meta``: ``fields`` before the timestamp and request id every answer carries."""
    return inline_serializer(
        name=name,
        fields={**fields, "timestamp": serializers.DateTimeField(), "request_id": serializers.CharField()},
    )


_meta = _meta_named("Meta")
_page_meta = _meta_named(
    "PageMeta",
    total=serializers.IntegerField(
        help_text="The number of matches; the customer list counts up to 1,000 (see total_is_exact)."
    ),
    total_is_exact=serializers.BooleanField(
        help_text="False when there are more matches than total: the pages end there; narrow the filters or export."
    ),
    per_page=serializers.IntegerField(),
    current_page=serializers.IntegerField(),
    last_page=serializers.IntegerField(),
)
# The quick search's meta: how many items came back and the query as it was read.
SEARCH_META = _meta_named("SearchMeta", count=serializers.IntegerField(), query=serializers.CharField())

ErrorEnvelope = inline_serializer(
    name="ErrorEnvelope",
    fields={
        "status": serializers.CharField(help_text='Always "error".'),
        "message": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False),
        "meta": _meta,
    },
)


def enveloped(
    serializer_class,
    *,
    name: str,
    many: bool = False,
    paginated: bool = False,
    message: bool = False,
    meta=None,
):
    """The envelope around ``serializer_class``; ``meta`` replaces the default meta (PageMeta when paginated)."""
    fields = {"status": serializers.CharField(help_text='Always "success".')}
    if message:
        fields["message"] = serializers.CharField()
    fields["data"] = (
        serializer_class(many=many) if serializer_class is not None else serializers.JSONField(allow_null=True)
    )
    fields["meta"] = meta or (_page_meta if paginated else _meta)
    envelope = inline_serializer(name=name, fields=fields)
    # One envelope object even when its data is a list: without this, drf-spectacular's list-view
    # heuristic (a ``list`` action) would describe the answer as an array of envelopes.
    extend_schema_serializer(many=False)(type(envelope))
    return envelope


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Validation failed: `errors` names each field and its problem.",
        401: "Missing, invalid or revoked API key.",
        403: "The key's scope or the user's role does not allow this.",
        404: "Not found (also for another organization's objects).",
        405: "The method is not allowed on this path; a path segment that names another resource (an id of "
        "`search` or `summary`, say) reaches that resource, which may not take the method.",
        409: "Conflicts with existing data (e.g. duplicate customer_no in the branch), or a request with the "
        "same Idempotency-Key is still running.",
        412: "If-Match named a version that is no longer the current one: fetch the record again.",
        413: "The body is larger than 1 MB.",
        415: "Unsupported media type: send application/json.",
        422: "The Idempotency-Key was already used for a different request (or by another caller).",
        429: "Too many requests; see the Retry-After header.",
    }
    return {code: OpenApiResponse(ErrorEnvelope, description=descriptions[code]) for code in codes}


# Every paginated list's parameters; their bounds are in the schema too, for generated clients.
PAGINATION_PARAMETERS = [
    OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="From 1."),
    OpenApiParameter(
        "per_page", {"type": "integer", "minimum": 1}, description="Default 25; larger than 100 is clamped to 100."
    ),
]

READ_ERRORS = (401, 403, 404, 405, 429)
WRITE_ERRORS = (400, 401, 403, 404, 405, 413, 415, 429)

VALIDATION_EXAMPLE = OpenApiExample(
    "Validation failed",
    status_codes=["400"],
    response_only=True,
    value={
        "status": "error",
        "message": "Validation failed",
        "errors": {"tin": ["The tin format is invalid."]},
        "meta": {"timestamp": "2025-01-17T10:00:00Z", "request_id": "req_3f2a…"},
    },
)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.access.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key: `Authorization: Bearer chk_…`. Read keys can only read.",
        }


class StaffSessionAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.access.StaffSessionAuthentication"
    name = "SessionAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid", "description": "A signed-in staff session."}


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description=(
        "Makes a retry safe: for 24 hours, a request with the same key, path and body gets the first answer "
        "again (with `Idempotent-Replayed: true`) and writes nothing twice. The same key with another body is a "
        "422; a retry while the first request still runs is a 409. At most 255 characters; a UUID is a good key."
    ),
)
IDEMPOTENT_REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    str,
    OpenApiParameter.HEADER,
    response=True,
    description="`true` when the answer is the kept answer of an earlier request with the same Idempotency-Key.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description=(
        "The ETag of the version you read. The change is made only if the record is still that version; "
        "otherwise the answer is 412 and nothing changes. Without the header the change is made unconditionally."
    ),
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="The record's version; send it back in If-Match to change the record only if nobody else did.",
)
CONDITIONAL_METHODS = frozenset({"PATCH", "PUT", "DELETE"})


class CustomerHubAutoSchema(AutoSchema):
    """Describes the headers every API view shares: Idempotency-Key on POST, ETag and If-Match on versioned records."""

    def _idempotent(self) -> bool:
        return self.method == "POST" and getattr(self.view, "accepts_idempotency_key", False)

    def _versioned(self) -> bool:
        return getattr(self.view, "action", None) in getattr(self.view, "versioned_actions", ())

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._idempotent():
            parameters += [IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED]
        if self._versioned():
            if self.method in CONDITIONAL_METHODS:
                parameters.append(IF_MATCH)
            if self.method != "DELETE":
                parameters.append(ETAG)
        return parameters

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        extra = []
        if self._idempotent():
            extra += [409, 422]
        if self._versioned() and self.method in CONDITIONAL_METHODS:
            extra.append(412)
        for code, response in errors(*extra).items():
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        return bodies
