"""Every request has an id: in the response, on its audit events and on its log lines, so they join."""

import logging
import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from audit.middleware import AuditContextMiddleware
from audit.services import record
from core.tests.logs import settings_log_output

logger = logging.getLogger("kezek.test")


@pytest.fixture
def log_output():
    with settings_log_output() as stream:
        yield stream


def recording_view(target, actor, events):
    def view(request):
        events.append(record(action="settlement.viewed", target=target, actor=actor))
        logger.warning("settlement viewed")
        return HttpResponse("ok")

    return view


def test_a_request_gets_a_fresh_id_in_the_response_and_on_its_events(settlement_a, specialist_a):
    events = []
    middleware = AuditContextMiddleware(recording_view(settlement_a, specialist_a, events))

    first = middleware(RequestFactory().get("/", REMOTE_ADDR="203.0.113.7"))
    second = middleware(RequestFactory().get("/"))

    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert events[0].request_id == first["X-Request-ID"]
    assert events[0].ip_address == "203.0.113.7"


def test_a_client_cannot_choose_the_id(settings, settlement_a, specialist_a):
    settings.REQUEST_ID_FROM_PROXY = False
    events = []
    middleware = AuditContextMiddleware(recording_view(settlement_a, specialist_a, events))

    response = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="someone-elses-id"))

    assert response["X-Request-ID"] != "someone-elses-id"
    assert events[0].request_id == response["X-Request-ID"]


def test_the_trusted_proxys_id_is_kept(settings, settlement_a, specialist_a):
    settings.REQUEST_ID_FROM_PROXY = True
    events = []
    middleware = AuditContextMiddleware(recording_view(settlement_a, specialist_a, events))

    response = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="proxy-7f3a9c"))
    odd = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="<script>"))

    assert response["X-Request-ID"] == "proxy-7f3a9c"
    assert events[0].request_id == "proxy-7f3a9c"
    assert re.fullmatch(r"[0-9a-f]{32}", odd["X-Request-ID"])


def test_a_log_line_carries_the_id_of_its_request(log_output, settlement_a, specialist_a):
    events = []
    middleware = AuditContextMiddleware(recording_view(settlement_a, specialist_a, events))

    response = middleware(RequestFactory().get("/"))
    logger.warning("between requests")

    lines = log_output.getvalue().splitlines()
    assert f"[{response['X-Request-ID']}] settlement viewed" in lines[0]
    assert events[0].request_id == response["X-Request-ID"]
    assert "[-] between requests" in lines[1]


def test_djangos_error_line_for_a_failed_request_carries_its_id(client, log_output, specialist_a):
    client.force_login(specialist_a)

    response = client.get("/admin/directory/settlement/999999/change/")

    assert response.status_code == 404
    assert f"[{response['X-Request-ID']}] Not Found: /admin/directory/settlement/999999/change/" in (
        log_output.getvalue()
    )


@pytest.mark.parametrize("given", ["x" * 65, "<script>", "id with spaces", "ид-запроса"])
def test_an_invalid_or_oversized_id_from_the_proxy_is_replaced(settings, settlement_a, specialist_a, given):
    settings.REQUEST_ID_FROM_PROXY = True
    events = []
    middleware = AuditContextMiddleware(recording_view(settlement_a, specialist_a, events))

    response = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID=given))

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert events[0].request_id == response["X-Request-ID"]


def test_the_longest_id_allowed_is_kept_whole(settings, settlement_a, specialist_a):
    settings.REQUEST_ID_FROM_PROXY = True
    events = []
    middleware = AuditContextMiddleware(recording_view(settlement_a, specialist_a, events))

    response = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="a" * 64))

    assert response["X-Request-ID"] == "a" * 64


def test_the_id_header_is_believed_only_from_a_trusted_proxy(settings, settlement_a, specialist_a):
    """A web node reached past the load balancer ignores the header, though the proxy's is trusted."""
    settings.REQUEST_ID_FROM_PROXY = True
    settings.TRUSTED_PROXIES = ["10.77.0.10/32"]
    events = []
    middleware = AuditContextMiddleware(recording_view(settlement_a, specialist_a, events))

    proxied = middleware(RequestFactory().get("/", REMOTE_ADDR="10.77.0.10", HTTP_X_REQUEST_ID="lb-1"))
    direct = middleware(RequestFactory().get("/", REMOTE_ADDR="10.77.0.99", HTTP_X_REQUEST_ID="lb-1"))

    assert proxied["X-Request-ID"] == "lb-1"
    assert direct["X-Request-ID"] != "lb-1"
    assert events[1].request_id == direct["X-Request-ID"]
