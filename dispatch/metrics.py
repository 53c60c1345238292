"""The outbox's gauge for Prometheus (issue 16), registered with ``core.metrics`` by this app."""

import contextlib

from prometheus_client.core import GaugeMetricFamily

from .models import PendingTask


def outbox_backlog():
    """Outbox tasks a committed change asked for and the relay has not sent yet."""
    gauge = GaugeMetricFamily(
        "kezek_outbox_backlog", "Outbox tasks a committed change asked for, not yet sent."
    )
    with contextlib.suppress(Exception):
        gauge.add_metric([], PendingTask.objects.filter(sent_at__isnull=True).count())
    yield gauge
