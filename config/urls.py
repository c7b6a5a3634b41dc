from django.contrib import admin
from django.urls import include, path, re_path

from core.api.routing import api_not_found
from core.health import healthz, readyz
from customers.views.dashboard import dashboard

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    re_path(r"^api(/.*)?$", api_not_found),
    path("accounts/", include("accounts.urls")),
    path("customers/", include("customers.urls")),
    path("lookups/", include("customers.lookup_urls")),
    path("settings/", include("accounts.settings_urls")),
    path("import/", include("customers.import_urls")),
    path("", dashboard, name="dashboard"),
]
