"""Customer routes; fixed paths (search, summary, ...) come before the id route."""

from core.api.routing import api_route

from .contacts import ContactEmailViewSet, ContactPhoneViewSet
from .exports import CustomerExportViewSet
from .imports import CustomerImportViewSet
from .views import CustomerViewSet

ID = r"(?P<pk>[^/]+)"
CUSTOMER = r"(?P<customer_id>[^/]+)"

urlpatterns = [
    api_route("customers", CustomerViewSet.as_view({"get": "list", "post": "create"}), "customer-list"),
    api_route("customers/search", CustomerViewSet.as_view({"get": "search"}), "customer-search"),
    api_route("customers/summary", CustomerViewSet.as_view({"get": "summary"}), "customer-summary"),
    api_route("customers/import", CustomerImportViewSet.as_view({"post": "create"}), "customer-import"),
    api_route(
        r"customers/import/template\.xlsx",
        CustomerImportViewSet.as_view({"get": "template"}),
        "customer-import-template",
    ),
    api_route("customers/export", CustomerExportViewSet.as_view({"get": "list_export"}), "customer-export"),
    api_route(
        f"customers/{ID}",
        CustomerViewSet.as_view({"get": "retrieve", "patch": "partial_update", "put": "update", "delete": "destroy"}),
        "customer-detail",
    ),
    *[
        api_route(f"customers/{ID}/{action}", CustomerViewSet.as_view({"post": action}), f"customer-{action}")
        for action in ("archive", "unarchive", "block", "unblock")
    ],
    *[
        route
        for kind, viewset in (("emails", ContactEmailViewSet), ("phones", ContactPhoneViewSet))
        for route in (
            api_route(
                f"customers/{CUSTOMER}/{kind}",
                viewset.as_view({"get": "list", "post": "create"}),
                f"customer-{kind}",
            ),
            api_route(
                f"customers/{CUSTOMER}/{kind}/{ID}",
                viewset.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
                f"customer-{kind}-detail",
            ),
            api_route(
                f"customers/{CUSTOMER}/{kind}/{ID}/lock", viewset.as_view({"post": "lock"}), f"customer-{kind}-lock"
            ),
            api_route(
                f"customers/{CUSTOMER}/{kind}/{ID}/unlock",
                viewset.as_view({"post": "unlock"}),
                f"customer-{kind}-unlock",
            ),
        )
    ],
    api_route(
        f"customers/{ID}/export", CustomerExportViewSet.as_view({"get": "sheet_export"}), "customer-sheet-export"
    ),
    api_route(
        rf"customers/{ID}/statement\.pdf", CustomerExportViewSet.as_view({"get": "statement"}), "customer-statement"
    ),
]
