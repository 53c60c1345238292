"""Behind a real nginx, each client keeps its own limits and audit address (issue 15, item 1).

nginx (Debian's ``nginx-light``) runs with a throw-away configuration on a free
loopback port in front of the live test server, as production's proxy does:
``X-Forwarded-For $proxy_add_x_forwarded_for``, which keeps what the client
sent and appends the address nginx saw. Two clients come from different
loopback addresses (127.0.0.2 and 127.0.0.3, the client socket bound to them);
only nginx, at 127.0.0.1, is a trusted proxy. Under ``CI=true`` a missing
nginx fails the test instead of skipping it.
"""

import http.client
import shutil
import socket
import subprocess
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings

from applications.tests.factories import submit
from applications.views import CHECK_LOOKUPS_PER_WINDOW
from audit.models import AuditEvent
from conftest import IN_CI

CLIENT_A, CLIENT_B = "127.0.0.2", "127.0.0.3"
NGINX_CONFIG = """
daemon off;
master_process off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def nginx(live_server, tmp_path, settings):
    """nginx on a free loopback port in front of ``live_server``; its address is the only trusted proxy."""
    executable = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if executable is None:
        if IN_CI:
            pytest.fail("CI=true and nginx is missing: install Debian's nginx-light (make test does)")
        pytest.skip("nginx is not installed (Debian's nginx-light)")
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    settings.ALLOWED_HOSTS = [*django_settings.ALLOWED_HOSTS, "127.0.0.1"]
    port = free_port()
    config = tmp_path / "nginx.conf"
    upstream = urlsplit(live_server.url).netloc
    config.write_text(NGINX_CONFIG.format(folder=tmp_path, port=port, upstream=upstream))
    process = subprocess.Popen(  # noqa: S603 (Debian's nginx, our configuration)
        [executable, "-p", str(tmp_path), "-c", str(config)], stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 5
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"nginx did not start: {process.communicate()[1].decode()}")
            time.sleep(0.02)
    yield port
    process.terminate()
    process.wait(timeout=5)


def send(port, source, method, path, headers=None) -> int:
    """One request to nginx from the loopback address ``source``; the status it answered."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        connection.request(method, path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_clients_behind_nginx_have_separate_check_limits_and_forged_headers_do_not_help(
    nginx, settlement_a
):
    number = submit(settlement_a).number
    limit = CHECK_LOOKUPS_PER_WINDOW
    path = f"/check/?number={number}"

    # Client A forges a new X-Forwarded-For on every look-up: it still counts as 127.0.0.2.
    forged = [{"X-Forwarded-For": f"198.51.100.{i}"} for i in range(limit + 1)]
    statuses = [send(nginx, CLIENT_A, "GET", path, headers) for headers in forged]

    assert statuses[:limit] == [200] * limit
    assert statuses[limit] == 429
    assert send(nginx, CLIENT_B, "GET", path) == 200


@pytest.mark.django_db(transaction=True)
def test_the_audit_trail_records_each_client_behind_nginx_never_a_forged_address(nginx):
    # A POST without a CSRF token is refused (403), and every refusal is an audit event with an address.
    assert send(nginx, CLIENT_A, "POST", "/sign-in/", {"X-Forwarded-For": "203.0.113.66"}) == 403
    assert send(nginx, CLIENT_B, "POST", "/sign-in/") == 403

    addresses = list(
        AuditEvent.objects.filter(action="access.refused").order_by("id").values_list("ip_address", flat=True)
    )
    assert addresses == [CLIENT_A, CLIENT_B]
