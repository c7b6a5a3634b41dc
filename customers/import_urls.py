"""The staff import wizard, under /import/."""

from django.urls import path

from .views import imports

JOB = "<uuid:job_id>"

urlpatterns = [
    path("", imports.import_upload, name="import"),
    path("template.xlsx", imports.import_template, name="import_template"),
    path(f"preview/{JOB}/", imports.import_preview, name="import_preview"),
    path(f"preview/{JOB}/confirm/", imports.import_confirm, name="import_confirm"),
    path(f"jobs/{JOB}/", imports.import_job, name="import_job"),
    path(f"jobs/{JOB}/errors.xlsx", imports.import_job_errors, name="import_job_errors"),
]
