"""Staff pages of the organization's settings (branches, API keys), under /settings/."""

from django.urls import path

from . import views_settings

urlpatterns = [
    path("branches/", views_settings.branches, name="branches"),
    path("branches/new/", views_settings.branch_create, name="branch_create"),
    path("branches/<int:branch_id>/edit/", views_settings.branch_edit, name="branch_edit"),
    path("api-keys/", views_settings.api_keys, name="api_keys"),
    path("api-keys/new/", views_settings.api_key_create, name="api_key_create"),
    path("api-keys/<int:key_id>/revoke/", views_settings.api_key_revoke, name="api_key_revoke"),
]
