"""``/healthz``, ``/readyz`` and ``/metrics`` for load balancers, orchestrators and Prometheus (issue 16).

They are answered by the first middleware, before sessions, the audit
context, the language, CSRF and the HTTPS redirect: a load balancer probing
every second over the private network must not open sessions, write audit
events, fill the logs or be redirected, and the answer must not depend on the
host name it used.

- ``/healthz``: the process answers. No database, no Redis: a web node whose
  database is down is still alive, and restarting it would not help.
- ``/readyz``: each dependency checked, as JSON. The node is *ready* (200) when
  every check named in ``READYZ_REQUIRED`` passes, else 503. By default that is
  the database and the migrations: without them no page works. Redis, the
  broker and the replica are checked and reported (``"degraded": true``) but
  not required, because the service is built to run without each of them
  (docs/security.md, "Faults and recovery"): a Redis outage must not take every
  web node out of the load balancer at once.
- ``/metrics``: Prometheus's text (``core.metrics``), only for a client in
  ``METRICS_ALLOWED_NETWORKS`` (the client address as ``core.addresses`` reads
  it behind trusted proxies) or one sending ``Authorization: Bearer
  <METRICS_TOKEN>``; anyone else gets 404, as if it did not exist.
"""

import hmac
import ipaddress
import time

import redis
from django.conf import settings
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse

from . import metrics, replicas
from .addresses import client_address, parse_address

_migrations_applied = False


def healthz(request) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def readyz(request) -> HttpResponse:
    checks = {name: _timed(check) for name, check in CHECKS.items()}
    required = set(settings.READYZ_REQUIRED)
    for name, result in checks.items():
        result["required"] = name in required
    ready = all(result["ok"] for name, result in checks.items() if name in required)
    body = {
        "status": "ready" if ready else "not ready",
        "degraded": not all(result["ok"] for result in checks.values()),
        "checks": checks,
    }
    return JsonResponse(body, status=200 if ready else 503)


def metrics_view(request) -> HttpResponse:
    if not _may_read_metrics(request):
        return HttpResponse(status=404)
    return HttpResponse(metrics.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")


def _may_read_metrics(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    address = parse_address(client_address(request) or "")
    return address is not None and any(
        address in ipaddress.ip_network(network.strip(), strict=False)
        for network in settings.METRICS_ALLOWED_NETWORKS
    )


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as error:
        result = {"ok": False, "error": f"{type(error).__name__}: {str(error).strip()[:200]}"}
    result["seconds"] = round(time.perf_counter() - started, 4)
    return result


def check_database() -> dict:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True}


def check_migrations() -> dict:
    """Every migration of the code is applied; once it is, it stays so for this process's life."""
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections["default"])
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if unapplied:
            return {"ok": False, "error": f"{len(unapplied)} migrations not applied"}
        _migrations_applied = True
    return {"ok": True}


def check_replica() -> dict:
    if not replicas.configured():
        return {"ok": True, "configured": False}
    state = replicas.measure()
    answer = {"ok": state.usable, "configured": True, "lag_seconds": state.lag}
    if state.error:
        answer["error"] = state.error[:200]
    elif not state.usable:
        answer["error"] = f"lag over REPLICA_MAX_LAG_SECONDS ({settings.REPLICA_MAX_LAG_SECONDS})"
    return answer


def check_redis() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "configured": False}
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def check_broker() -> dict:
    from celery import current_app as app  # the project's app, without importing the project

    if app.conf.task_always_eager:
        return {"ok": True, "configured": False}
    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=1)
    return {"ok": True}


CHECKS = {
    "database": check_database,
    "migrations": check_migrations,
    "replica": check_replica,
    "redis": check_redis,
    "broker": check_broker,
}

PROBES = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}


class ProbeMiddleware:
    """First in the stack: answers the probes before any other middleware sees them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info.rstrip("/"))
        if probe is None:
            return self.get_response(request)
        response = probe(request)
        response["Cache-Control"] = "no-store"
        return response
