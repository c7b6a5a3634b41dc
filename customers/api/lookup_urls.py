"""Routes of the lookups: the same six routes under each lookup's path."""

from core.api.routing import api_route

from .lookups import (
    CategoryViewSet,
    ContactOriginViewSet,
    CustomerGroupViewSet,
    FinanceCodeViewSet,
    PaymentTermsViewSet,
)

ID = r"(?P<pk>[^/]+)"
LOOKUP_VIEWSETS = {
    "categories": CategoryViewSet,
    "groups": CustomerGroupViewSet,
    "finance-codes": FinanceCodeViewSet,
    "origins": ContactOriginViewSet,
    "payment-terms": PaymentTermsViewSet,
}


def _routes(prefix: str, viewset) -> list:
    return [
        api_route(prefix, viewset.as_view({"get": "list", "post": "create"}), f"{prefix}-list"),
        api_route(
            f"{prefix}/{ID}",
            viewset.as_view({"get": "retrieve", "patch": "partial_update", "put": "update", "delete": "destroy"}),
            f"{prefix}-detail",
        ),
        api_route(f"{prefix}/{ID}/archive", viewset.as_view({"post": "archive"}), f"{prefix}-archive"),
        api_route(f"{prefix}/{ID}/unarchive", viewset.as_view({"post": "unarchive"}), f"{prefix}-unarchive"),
    ]


urlpatterns = [route for prefix, viewset in LOOKUP_VIEWSETS.items() for route in _routes(prefix, viewset)]
