"""The Celery app. Configuration comes from Django settings (CELERY_* names), the beat
schedule too (CELERY_BEAT_SCHEDULE)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewards_admin.settings")

app = Celery("rewards_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
