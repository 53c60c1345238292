"""The Celery application. Tasks live in each app's ``tasks.py``; see DESIGN.md."""

import os

from celery import Celery
from celery.signals import beat_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kindergarten_queue.settings")

app = Celery("kindergarten_queue")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def relay_what_waited(**kwargs) -> None:
    """A worker that starts after Redis was down sends the waiting tasks now, not at the next beat."""
    app.tasks["dispatch.tasks.relay_pending"].delay()


@beat_init.connect
def one_beat_only(**kwargs) -> None:
    """A second beat anywhere in the cluster exits at start (core.singleton)."""
    from core.singleton import hold_beat_lock

    hold_beat_lock()


@worker_ready.connect
def serve_metrics(**kwargs) -> None:
    """The worker host's own /metrics: what its tasks counted (accesses opened, notices) (core.metrics)."""
    port = os.environ.get("CELERY_METRICS_PORT")
    if port:
        from core.metrics import serve_worker_metrics

        serve_worker_metrics(int(port))
