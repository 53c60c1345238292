"""SMS go through the configured backend: the outbox by default, an HTTP gateway in production."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from accounts.sms import SmsDeliveryError, send_sms
from core import outbox


def test_the_default_backend_writes_the_outbox():
    send_sms(phone="+77011234567", text="Код: 123456")
    assert outbox.messages_to("+77011234567", channel="sms") == ["Код: 123456"]


class FakeGateway(BaseHTTPRequestHandler):
    received: list = []
    answer = 202

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        FakeGateway.received.append((self.headers["Authorization"], json.loads(self.rfile.read(length))))
        self.send_response(FakeGateway.answer)
        self.end_headers()

    def log_message(self, *args):
        """Quiet: the test reads what arrived instead."""


@pytest.fixture
def gateway(settings):
    server = HTTPServer(("127.0.0.1", 0), FakeGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeGateway.received = []
    FakeGateway.answer = 202
    settings.SMS_BACKEND = "accounts.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_GATEWAY_TOKEN = "gateway-test-token"
    yield FakeGateway
    server.shutdown()
    server.server_close()


def test_the_gateway_backend_posts_the_message_with_its_token(gateway):
    send_sms(phone="+77011234567", text="Код: 123456")
    assert gateway.received == [("Bearer gateway-test-token", {"to": "+77011234567", "text": "Код: 123456"})]
    assert outbox.messages_to("+77011234567") == []


def test_a_gateway_refusal_raises_so_the_task_can_retry(gateway):
    gateway.answer = 503
    with pytest.raises(SmsDeliveryError):
        send_sms(phone="+77011234567", text="Код: 123456")


def test_an_unreachable_gateway_raises(settings):
    settings.SMS_BACKEND = "accounts.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"
    settings.SMS_GATEWAY_TIMEOUT = 1
    with pytest.raises(SmsDeliveryError, match="unreachable"):
        send_sms(phone="+77011234567", text="x")


def test_logs_never_carry_the_whole_phone_or_address():
    assert outbox.mask_recipient("+77011234567") == "+7701*****67"
    assert outbox.mask_recipient("aigerim@example.kz") == "a***@example.kz"
