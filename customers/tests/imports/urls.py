"""The project's routes with the job routes in front of the API's catch-all, for these tests."""

from django.urls import include, path

from config import api_urls
from config.urls import urlpatterns as project_urls
from customers.api.job_urls import urlpatterns as job_urls

api = [*job_urls, *api_urls.urlpatterns]
urlpatterns = [path("api/v1/", include((api, "api"))), *project_urls]
