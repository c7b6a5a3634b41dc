"""Staff pages of the organization's lookup lists (categories, groups, origins, payment terms), under /lookups/."""

from django.urls import path

from .views import lookups

KIND = "<slug:kind>"
ITEM = f"{KIND}/<int:item_id>"

urlpatterns = [
    path("", lookups.lookups, name="lookups"),
    path(f"{KIND}/", lookups.lookup_section, name="lookup_section"),
    path(f"{KIND}/new/", lookups.lookup_create, name="lookup_create"),
    path(f"{ITEM}/edit/", lookups.lookup_edit, name="lookup_edit"),
    path(f"{ITEM}/archive/", lookups.lookup_archive, name="lookup_archive"),
    path(f"{ITEM}/unarchive/", lookups.lookup_unarchive, name="lookup_unarchive"),
    path(f"{ITEM}/delete/", lookups.lookup_delete, name="lookup_delete"),
]
