"""/healthz, /readyz and /metrics: what a load balancer, an orchestrator and Prometheus are told."""

import json
import os
import socket
import subprocess
import sys
import textwrap
import urllib.request

import pytest
from django.conf import settings
from django.db import transaction
from django.db.migrations.executor import MigrationExecutor
from prometheus_client import REGISTRY

from audit.models import AuditEvent
from audit.services import record
from core import metrics, probes
from core.tests.production import PRINT_SETTINGS, run

CLOSED_PORT = "redis://127.0.0.1:1/0"
PUBLIC_CLIENT = "203.0.113.7"


@pytest.fixture(autouse=True)
def _migrations_checked_again(monkeypatch):
    monkeypatch.setattr(probes, "_migrations_applied", False)


def test_healthz_answers_without_the_database_or_a_session(client):
    response = client.get("/healthz")  # no django_db mark: any query would fail the test

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert not response.cookies
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_probes_are_not_redirected_to_https_nor_refused_for_an_internal_host_name(client, settings):
    """The load balancer probes each node over the private network, by its address."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["kezek.example"]

    assert client.get("/healthz", HTTP_HOST="10.20.0.11:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.20.0.11:8000").status_code == 200
    assert (
        client.get("/", HTTP_HOST="10.20.0.11:8000").status_code == 400
    )  # the pages themselves still refuse it


@pytest.mark.django_db
def test_readyz_reports_each_check_and_is_ready_with_the_database_and_migrations(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "migrations", "replica", "redis", "broker"}
    for name in ("database", "migrations"):
        assert body["checks"][name]["ok"] is body["checks"][name]["required"] is True
    assert body["checks"]["replica"] == {
        "ok": True,
        "configured": False,
        "required": False,
        "seconds": pytest.approx(0, abs=1),
    }
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_readyz_is_503_while_a_migration_is_not_applied(client, monkeypatch):
    real_plan = MigrationExecutor.migration_plan
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("unapplied", False)])

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {
        "ok": False,
        "error": "1 migrations not applied",
        "required": True,
        "seconds": pytest.approx(0, abs=5),
    }
    monkeypatch.setattr(MigrationExecutor, "migration_plan", real_plan)
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_redis_down_degrades_readyz_but_leaves_the_node_in_the_load_balancer(client, settings):
    """The pages run without Redis (docs/security.md): one outage must not take every node out at once."""
    settings.REDIS_URL = CLOSED_PORT

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["degraded"] is True
    assert body["checks"]["redis"]["ok"] is False
    assert "Connection" in body["checks"]["redis"]["error"]


@pytest.mark.django_db
def test_an_operator_may_require_redis_for_readiness(client, settings):
    settings.REDIS_URL = CLOSED_PORT
    settings.READYZ_REQUIRED = ["database", "migrations", "redis"]

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "not ready"


@pytest.mark.django_db
def test_metrics_count_requests_by_view_and_status_and_time_them_and_the_queries(client):
    def sample(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0

    requests_before = sample(
        "kezek_http_requests_total", view="applications:check", method="GET", status="200"
    )
    timed_before = sample("kezek_http_request_duration_seconds_count", view="applications:check")

    client.get("/check/")
    client.get("/no-such-page/")
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert sample("kezek_http_requests_total", view="applications:check", method="GET", status="200") == (
        requests_before + 1
    )
    assert sample("kezek_http_request_duration_seconds_count", view="applications:check") == timed_before + 1
    assert 'kezek_http_requests_total{method="GET",status="404",view="unmatched"}' in text
    assert "no-such-page" not in text  # paths never become labels: they carry numbers and codes
    assert 'kezek_db_query_duration_seconds_count{alias="default"}' in text
    assert "kezek_outbox_backlog 0.0" in text
    assert "kezek_celery_queue_depth" in text
    assert "kezek_replica_lag_seconds" in text


@pytest.mark.django_db
def test_metrics_are_hidden_from_the_public_behind_the_proxy_and_shown_with_the_token(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    settings.METRICS_ALLOWED_NETWORKS = ["10.30.0.0/24"]
    settings.METRICS_TOKEN = "a-long-scrape-token"

    assert client.get("/metrics", REMOTE_ADDR=PUBLIC_CLIENT).status_code == 404
    # Through the load balancer the client is the one it names, not the balancer's own address.
    assert (
        client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=PUBLIC_CLIENT).status_code == 404
    )
    assert client.get("/metrics", REMOTE_ADDR="10.30.0.5").status_code == 200
    assert (
        client.get("/metrics", REMOTE_ADDR=PUBLIC_CLIENT, HTTP_AUTHORIZATION="Bearer wrong-token").status_code
        == 404
    )
    assert (
        client.get(
            "/metrics", REMOTE_ADDR=PUBLIC_CLIENT, HTTP_AUTHORIZATION="Bearer a-long-scrape-token"
        ).status_code
        == 200
    )


def test_production_shows_metrics_to_nobody_unless_told():
    names = ("METRICS_ALLOWED_NETWORKS", "METRICS_TOKEN")
    result = run(["-c", f"NAMES = {names!r}\n{PRINT_SETTINGS}"])

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"METRICS_ALLOWED_NETWORKS": [], "METRICS_TOKEN": ""}


@pytest.mark.django_db
def test_service_events_are_counted_when_committed_and_not_when_rolled_back(
    django_capture_on_commit_callbacks,
):
    def submitted():
        return REGISTRY.get_sample_value("kezek_events_total", {"event": "applications_submitted"}) or 0

    before = submitted()
    with django_capture_on_commit_callbacks(execute=True):
        record(action="application.submitted", target=None)
        record(action="application.looked_up", target=None)  # not a counted event
    assert submitted() == before + 1

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        _record_then_fail()
    assert submitted() == before + 1


def _record_then_fail():
    with transaction.atomic():
        record(action="application.submitted", target=None)
        raise RuntimeError("the change failed")


def test_gunicorn_worker_processes_add_up_in_multiprocess_mode(tmp_path):
    """Each gunicorn worker counts its own requests; /metrics shows their sum, whichever worker answers."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "kindergarten_queue.settings",
    }
    worker = textwrap.dedent(
        """
        import django; django.setup()
        from core import metrics
        metrics.REQUESTS.labels("home", "GET", "200").inc()
        """
    )
    scraper = textwrap.dedent(
        """
        import django; django.setup()
        from core import metrics
        print(metrics.exposition().decode())
        """
    )
    for _ in range(2):
        subprocess.run(  # noqa: S603 (this interpreter, our script)
            [sys.executable, "-c", worker],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            timeout=60,
        )
    result = subprocess.run(  # noqa: S603 (this interpreter, our script)
        [sys.executable, "-c", scraper],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )

    assert 'kezek_http_requests_total{method="GET",status="200",view="home"} 2.0' in result.stdout


def test_a_worker_host_serves_what_its_tasks_counted():
    """Accesses are opened by a Celery task: the worker host has its own endpoint for them."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    metrics.serve_worker_metrics(port)
    metrics.EVENTS.labels("accesses_opened").inc(0)

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()

    assert 'kezek_events_total{event="accesses_opened"}' in text
    metrics.serve_worker_metrics(port)  # a second worker on the host: the port is taken, no error
