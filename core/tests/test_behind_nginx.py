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
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings

from applications.tests.factories import submit
from applications.views import CHECK_LOOKUPS_PER_WINDOW
from audit.models import AuditEvent
from conftest import IN_CI
from drills import nginx as proxy
from drills.nginx import send
from drills.stack import free_port

CLIENT_A, CLIENT_B = "127.0.0.2", "127.0.0.3"


@pytest.fixture
def nginx(live_server, tmp_path, settings):
    """nginx on a free loopback port in front of ``live_server``; its address is the only trusted proxy."""
    try:
        proxy.executable()
    except proxy.NginxMissing as missing:
        if IN_CI:
            pytest.fail(f"CI=true: {missing}")
        pytest.skip(str(missing))
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    settings.ALLOWED_HOSTS = [*django_settings.ALLOWED_HOSTS, "127.0.0.1"]
    port = free_port()
    process = proxy.start(tmp_path, port=port, upstream=urlsplit(live_server.url).netloc)
    yield port
    proxy.stop(process)


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


@pytest.mark.django_db(transaction=True)
def test_one_request_id_from_the_client_through_nginx_to_the_web_nodes_json_log_line(
    nginx, settings, json_lines
):
    """The id the client sees is the one on the web node's log line: the client's own, or nginx's."""
    settings.REQUEST_ID_FROM_PROXY = True
    ids = {
        given: response_id(nginx, {"X-Request-ID": given} if given else {})
        for given in ("trace-7f3a9c", "", "x" * 65, "<script>")
    }

    logged = [line["request_id"] for line in json_lines() if line["message"].startswith("Not Found")]
    assert ids["trace-7f3a9c"] == "trace-7f3a9c"
    for made_by_nginx in (ids[""], ids["x" * 65], ids["<script>"]):
        assert re.fullmatch(r"[0-9a-f]{32}", made_by_nginx)
    assert len(set(ids.values())) == 4
    assert logged == list(ids.values())


def response_id(port: int, headers: dict) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(CLIENT_A, 0))
    try:
        connection.request("GET", "/no-such-page/", headers={"Host": "127.0.0.1", **headers})
        response = connection.getresponse()
        response.read()
        return response.getheader("X-Request-ID")
    finally:
        connection.close()
