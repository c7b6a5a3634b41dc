"""Billing entity routes, nested under the customer they belong to."""

from core.api.routing import api_route

from .views import BillingEntityViewSet

CUSTOMER = r"(?P<customer_id>[^/]+)"
ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    api_route(
        f"customers/{CUSTOMER}/billing-entities",
        BillingEntityViewSet.as_view({"get": "list", "post": "create"}),
        "billing-entity-list",
    ),
    api_route(
        f"customers/{CUSTOMER}/billing-entities/{ID}",
        BillingEntityViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        "billing-entity-detail",
    ),
    api_route(
        f"customers/{CUSTOMER}/billing-entities/{ID}/make-default",
        BillingEntityViewSet.as_view({"post": "make_default"}),
        "billing-entity-make-default",
    ),
]
