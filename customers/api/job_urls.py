"""Job routes (imports and exports); config/api_urls.py includes them."""

from core.api.routing import api_route

from .jobs import JobViewSet

ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    api_route(f"jobs/{ID}", JobViewSet.as_view({"get": "retrieve"}), "job-detail"),
    api_route(f"jobs/{ID}/file", JobViewSet.as_view({"get": "download"}), "job-file"),
]
