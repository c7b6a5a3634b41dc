"""Branch routes."""

from core.api.routing import api_route

from .views import BranchViewSet

ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    api_route("branches", BranchViewSet.as_view({"get": "list", "post": "create"}), "branch-list"),
    api_route(
        f"branches/{ID}",
        BranchViewSet.as_view({"get": "retrieve", "patch": "partial_update", "put": "update", "delete": "destroy"}),
        "branch-detail",
    ),
]
