"""The base of every API view: authentication, roles, throttling, envelope and organization scope."""

from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from .access import (
    ApiKeyAuthentication,
    ApiKeyRateThrottle,
    OrganizationRole,
    StaffSessionAuthentication,
    required_role_default,
)
from .envelope import success
from .pagination import paginate

PAGINATION_PARAMS = frozenset({"page", "per_page"})


class OrganizationViewSet(viewsets.ViewSet):
    authentication_classes = [ApiKeyAuthentication, StaffSessionAuthentication]
    permission_classes = [OrganizationRole]
    throttle_classes = [ApiKeyRateThrottle]
    # Actions that need a manager (or a write key) rather than a clerk.
    manager_actions: frozenset[str] = frozenset()
    # Input/model field names reported under the name the API uses.
    error_field_aliases: dict[str, str] = {}

    def required_role(self, request) -> str:
        return required_role_default(request, self.manager_actions, getattr(self, "action", None))

    @property
    def organization(self):
        return self.request.access.organization

    @property
    def actor(self):
        return self.request.access.actor

    def check_query_params(self, allowed: frozenset[str] | set[str]) -> None:
        unknown = sorted(set(self.request.query_params) - set(allowed) - PAGINATION_PARAMS)
        if unknown:
            raise ValidationError(
                {name: [f"Unknown query parameter. Allowed: {', '.join(sorted(allowed))}."] for name in unknown}
            )

    def paginated(self, queryset, serializer_class, **context):
        rows, meta = paginate(queryset, self.request.query_params)
        return success(self.request, serializer_class(rows, many=True, context=context).data, meta=meta)
