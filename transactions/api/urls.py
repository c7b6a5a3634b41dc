"""Ledger routes, and a customer's transaction history under /customers/{id}/transactions."""

from core.api.routing import api_route

from .views import TransactionViewSet

ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    api_route("transactions", TransactionViewSet.as_view({"get": "list", "post": "create"}), "transaction-list"),
    api_route(f"transactions/{ID}", TransactionViewSet.as_view({"get": "retrieve"}), "transaction-detail"),
    api_route(f"transactions/{ID}/void", TransactionViewSet.as_view({"post": "void"}), "transaction-void"),
    api_route(
        r"customers/(?P<customer_pk>[^/]+)/transactions",
        TransactionViewSet.as_view({"get": "for_customer"}),
        "customer-transactions",
    ),
]
