"""Staff pages of the organization's lookup lists (categories, groups, origins, payment terms), under /lookups/."""

urlpatterns = []
