"""The /api/v1/ routes. Every path answers with and without a trailing slash."""

from django.urls import re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.api.urls import urlpatterns as branch_urls
from billing.api.urls import urlpatterns as billing_entity_urls
from core.api.routing import api_not_found, api_route
from customers.api.job_urls import urlpatterns as job_urls
from customers.api.lookup_urls import urlpatterns as lookup_urls
from customers.api.urls import urlpatterns as customer_urls
from transactions.api.urls import urlpatterns as transaction_urls

docs = [
    api_route("schema", SpectacularAPIView.as_view(), "schema"),
    api_route("docs", SpectacularSwaggerView.as_view(url_name="api:schema"), "docs"),
]

app_name = "api"
urlpatterns = [
    *customer_urls,
    *billing_entity_urls,
    *transaction_urls,
    *lookup_urls,
    *job_urls,
    *branch_urls,
    *docs,
    # Anything else under /api/v1/ is a 404 in the envelope, never Django's HTML page.
    re_path(r"^.*$", api_not_found),
]
