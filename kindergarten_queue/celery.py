"""The Celery application. Tasks live in each app's ``tasks.py``; see DESIGN.md."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kindergarten_queue.settings")

app = Celery("kindergarten_queue")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def relay_what_waited(**kwargs) -> None:
    """A worker that starts after Redis was down sends the waiting tasks now, not at the next beat."""
    app.tasks["dispatch.tasks.relay_pending"].delay()
