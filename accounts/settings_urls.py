"""Staff pages of the organization's settings (branches, API keys), under /settings/."""

urlpatterns = []
