"""Celery: long imports and exports run here when CELERY_BROKER_URL is set, eagerly in-process otherwise."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("customerhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Export tasks live in a package of the customers app, beside its own tasks module.
app.autodiscover_tasks(["customers.exporting"])
