"""The Celery application. Tasks live in each app's ``tasks.py``; see DESIGN.md."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kindergarten_queue.settings")

app = Celery("kindergarten_queue")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
