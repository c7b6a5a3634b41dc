"""The base of every API view: authentication, roles, throttling, envelope and organization scope."""

from datetime import datetime

from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from . import idempotency
from .access import (
    ApiKeyAuthentication,
    ApiKeyRateThrottle,
    OrganizationRole,
    StaffSessionAuthentication,
    required_role_default,
)
from .conditional import expected_version
from .envelope import success
from .pagination import paginate
from .parsers import text_problems

PAGINATION_PARAMS = frozenset({"page", "per_page"})


class OrganizationViewSet(viewsets.ViewSet):
    authentication_classes = [ApiKeyAuthentication, StaffSessionAuthentication]
    permission_classes = [OrganizationRole]
    throttle_classes = [ApiKeyRateThrottle]
    # Actions that need a manager (or a write key) rather than a clerk.
    manager_actions: frozenset[str] = frozenset()
    # Input/model field names reported under the name the API uses.
    error_field_aliases: dict[str, str] = {}
    # Every POST honours an Idempotency-Key header (see core.api.idempotency).
    accepts_idempotency_key = True
    # Actions answering with one record that carries an ETag; their PATCH, PUT and DELETE take If-Match.
    versioned_actions: frozenset[str] = frozenset()

    _idempotency_record = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "POST" and self.accepts_idempotency_key:
            self._claim_idempotency_key(request)

    def _claim_idempotency_key(self, request) -> None:
        """After authentication, roles and throttling: only a request that may run claims its key."""
        key = idempotency.idempotency_key_from(request)
        if key is None:
            return
        fingerprint = idempotency.request_fingerprint(method=request.method, path=request.path, data=request.data)
        self._idempotency_record = idempotency.idempotency_begin(
            organization=self.organization,
            key=key,
            actor=idempotency.actor_fingerprint(request.access),
            fingerprint=fingerprint,
        )

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.IdempotentReplay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._idempotency_record is not None:
            idempotency.idempotency_finish(record=self._idempotency_record, response=response)
            self._idempotency_record = None
        return response

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            # An answer that never came back (an error past the exception handler) frees the key.
            record, self._idempotency_record = self._idempotency_record, None
            if record is not None:
                idempotency.idempotency_release(record=record)

    def required_role(self, request) -> str:
        return required_role_default(request, self.manager_actions, getattr(self, "action", None))

    @property
    def organization(self):
        return self.request.access.organization

    @property
    def actor(self):
        return self.request.access.actor

    def check_query_params(self, allowed: frozenset[str] | set[str], *, paginated: bool = False) -> None:
        """A 400 for any query parameter but ``allowed`` (and page and per_page on a ``paginated`` list)."""
        allowed = set(allowed) | (PAGINATION_PARAMS if paginated else set())
        unknown = sorted(set(self.request.query_params) - allowed)
        if unknown:
            listed = ", ".join(sorted(allowed)) or "none"
            raise ValidationError({name: [f"Unknown query parameter. Allowed: {listed}."] for name in unknown})
        unsafe = {
            name: problems
            for name, values in self.request.query_params.lists()
            for value in values
            if (problems := text_problems(value))
        }
        if unsafe:
            raise ValidationError(unsafe)

    def expected_version(self, instance, *, noun: str) -> datetime | None:
        """The version an If-Match header bases this write on (None without the header)."""
        return expected_version(self.request, instance=instance, noun=noun)

    def paginated(self, queryset, serializer_class, **context):
        rows, meta = paginate(queryset, self.request.query_params)
        return success(self.request, serializer_class(rows, many=True, context=context).data, meta=meta)
