"""The Celery application. Configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "realtor.settings.local")

app = Celery("realtor")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The only place besides realtor/urls.py that knows every app.
app.autodiscover_tasks(["realtor", "properties", "leads", "contracts", "marketing", "analytics"])
