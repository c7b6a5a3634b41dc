"""The staff import wizard, under /import/."""

urlpatterns = []
