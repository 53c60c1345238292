"""Prometheus metrics (issue 16; docs/deployment.md, "Health and metrics").

prometheus-client, the Prometheus project's own library, is used directly
rather than django-prometheus: the few series below are all the service needs,
and its multiprocess mode is what gunicorn's several worker processes require.
When ``PROMETHEUS_MULTIPROC_DIR`` is set (the cluster and production set it to
an empty folder per host), every process writes its counters and histograms
there and ``/metrics`` sums them; without it (development, tests) the numbers
live in the process's memory.

Three kinds of series:

- per request: count by view, method and status, and the latency histogram
  by view (``RequestMetricsMiddleware``);
- per database query: a latency histogram by alias (``default``, ``replica``),
  hooked into every connection Django opens; per call of the Redis cache, one
  by operation and outcome (``core.cache``);
- the service's own: events counted as they are committed (``count_event``,
  called by the audit trail and the admission gate), and gauges read at
  scrape time (``ServiceCollector``: the outbox backlog, the replica's lag,
  the depth of each Celery queue), so they are right whichever process answers.
"""

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator

from django.db import connection as default_connection
from django.db import transaction
from django.db.backends.signals import connection_created
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY

logger = logging.getLogger(__name__)

REQUESTS = Counter(
    "kezek_http_requests", "HTTP requests answered, by view, method and status.", ["view", "method", "status"]
)
REQUEST_SECONDS = Histogram(
    "kezek_http_request_duration_seconds",
    "Seconds from the request reaching Django to its response, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
QUERY_SECONDS = Histogram(
    "kezek_db_query_duration_seconds",
    "Seconds per database query, by connection alias.",
    ["alias"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0),
)
REDIS_SECONDS = Histogram(
    "kezek_redis_command_duration_seconds",
    "Seconds per call of the Redis cache, by operation and outcome (error: the memory fallback answered).",
    ["operation", "outcome"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5),
)
#: Audit actions worth a counter of their own; every other action is not counted (no unbounded labels).
COUNTED_ACTIONS = {
    "application.submitted": "applications_submitted",
    "access.opened": "accesses_opened",  # one per access ("bulletin.access_opened" is one per queue)
    "referral.taken": "referrals_taken",
    "one_time_code.check_failed": "one_time_code_failures",
}
EVENTS = Counter(
    "kezek_events",
    "Committed service events: applications submitted, accesses opened, referrals taken, code failures.",
    ["event"],
)
GATE_REFUSALS = Counter("kezek_gate_refusals", "Get referral presses turned away by the full admission gate.")


def count_event(action: str, times: int = 1) -> None:
    """Count ``times`` events of an audit ``action`` when their transaction commits (a rollback: none)."""
    event = COUNTED_ACTIONS.get(action)
    if event is not None and times:
        transaction.on_commit(lambda: EVENTS.labels(event).inc(times))


@contextlib.contextmanager
def redis_timer(operation: str) -> Iterator[None]:
    """Time one Redis call of the cache; a call that raised counts as an error."""
    started = time.perf_counter()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    finally:
        REDIS_SECONDS.labels(operation, outcome).observe(time.perf_counter() - started)


def count_gate_refusal() -> None:
    GATE_REFUSALS.inc()


class RequestMetricsMiddleware:
    """Counts each response by its view's name and status, and times it.

    The view is the URL pattern's name (``applications:check``), never the
    path, which carries application numbers and codes; a request no pattern
    matched counts under ``unmatched``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match is not None else "unmatched"
        REQUEST_SECONDS.labels(view).observe(time.perf_counter() - started)
        REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        return response


def _timed_query(alias: str):
    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            QUERY_SECONDS.labels(alias).observe(time.perf_counter() - started)

    return wrapper


def _time_queries(sender, connection, **kwargs) -> None:
    """Every connection Django opens times its queries (web processes and workers alike)."""
    if not any(getattr(wrapper, "kezek_timer", False) for wrapper in connection.execute_wrappers):
        wrapper = _timed_query(connection.alias)
        wrapper.kezek_timer = True
        connection.execute_wrappers.append(wrapper)


connection_created.connect(_time_queries, dispatch_uid="kezek-query-timer")
if default_connection.connection is not None:  # a connection opened before this module was imported
    _time_queries(None, default_connection)


#: Gauges of the apps above ``core``, read at scrape time; each app registers its own in ``ready()``
#: (``dispatch``: the outbox backlog), so that ``core`` never imports them.
GAUGE_SOURCES: list[Callable[[], Iterable]] = []


def register_gauges(source: Callable[[], Iterable]) -> None:
    """Add an app's gauges (a callable yielding metric families) to every scrape, once."""
    if source not in GAUGE_SOURCES:
        GAUGE_SOURCES.append(source)


class ServiceCollector:
    """Gauges read when Prometheus scrapes: exact in whichever process answers, nothing to keep in sync."""

    def collect(self):
        for source in GAUGE_SOURCES:
            yield from source()
        yield from _replica_lag()
        yield from _queue_depths()


def _replica_lag():
    from . import replicas

    gauge = GaugeMetricFamily(
        "kezek_replica_lag_seconds",
        "Seconds the read replica is behind the primary (absent: no replica, or down).",
    )
    state = replicas.state()
    if state is not None and state.lag is not None:
        gauge.add_metric([], state.lag)
    yield gauge


def _queue_depths():
    from celery import current_app as app  # the project's app, without importing the project

    gauge = GaugeMetricFamily(
        "kezek_celery_queue_depth", "Messages waiting in each Celery queue.", labels=["queue"]
    )
    if not app.conf.task_always_eager:
        for queue, depth in celery_queue_depths(app).items():
            gauge.add_metric([queue], depth)
    yield gauge


#: Every queue a worker of the Procfile consumes.
CELERY_QUEUES = ("celery", "ranks", "notifications", "documents")


def celery_queue_depths(app) -> dict[str, int]:
    """Messages ready in each queue, by a passive declare (the broker's count); a failure leaves it out."""
    depths = {}
    try:
        with app.connection_for_read() as broker:
            broker.ensure_connection(max_retries=1, timeout=1)
            for queue in CELERY_QUEUES:
                with contextlib.suppress(Exception):
                    depths[queue] = _ready_messages(broker, queue)
    except Exception as error:
        logger.warning("Celery queue depths unknown: %s", error)
    return depths


def _ready_messages(broker, queue: str) -> int:
    """A channel per queue: a passive declare of a queue nobody declared yet closes its channel."""
    channel = broker.channel()
    try:
        return channel.queue_declare(queue=queue, passive=True).message_count
    finally:
        with contextlib.suppress(Exception):
            channel.close()


def serve_worker_metrics(port: int) -> None:
    """Prometheus's endpoint on a worker host, for the events its tasks count (``open_access``'s accesses).

    Every worker process of the host writes to the same ``PROMETHEUS_MULTIPROC_DIR``, so one endpoint
    per host shows them all: a second worker on the host finds the port taken and leaves it at that.
    It listens on every address of the host: worker hosts sit on the private network only.
    """
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    try:
        start_http_server(port, registry=registry)
    except OSError as error:
        logger.info(
            "Worker metrics not served on %s (another worker of this host serves them): %s", port, error
        )


def exposition() -> bytes:
    """The text Prometheus scrapes: every process's series in multiprocess mode, then the service's gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    service = CollectorRegistry()
    service.register(ServiceCollector())
    return generate_latest(processes) + generate_latest(service)
