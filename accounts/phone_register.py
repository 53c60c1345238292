"""Whose phone is it: the state register of citizens' mobile numbers, through a pluggable backend.

A one-time code proves only that someone holds a phone, not that the phone is
the parent's. Before a phone becomes the one an IIN's codes go to (the first
sign-in of an IIN without a cabinet, a phone added to a cabinet, a cabinet made
by a paper application), the register must say the number is registered to
that IIN (issue 15 item 6; docs/security.md, "Whose phone is it").

``settings.PHONE_REGISTER_BACKEND`` names the backend, as ``SMS_BACKEND`` does
for SMS: the local fake of development and tests, or the HTTP adapter of
production. Both answer the same documented contract:

    POST <PHONE_REGISTER_URL>
    Authorization: Bearer <PHONE_REGISTER_TOKEN>
    Content-Type: application/json
    {"iin": "210315600015", "phone": "+77011234567"}

    200 {"registered": true}    the number is registered to that IIN
    200 {"registered": false}   it is not (registered to someone else, or to nobody)

Any other status, body or no answer within ``PHONE_REGISTER_TIMEOUT`` seconds
raises ``RegisterUnavailable``: the caller refuses rather than guesses.

The fake reads ``PHONE_REGISTER_FAKE_FILE``, a JSON object of number to IIN
(``null`` for a number registered to nobody): a number listed belongs to its
IIN only; any other number belongs to whoever asks, so development, the demo
parents and the national data set work with any phone.
"""

import json
import logging
import urllib.request
from functools import lru_cache
from http.server import BaseHTTPRequestHandler

from django.conf import settings
from django.utils.module_loading import import_string

from core import outbox

logger = logging.getLogger("kezek.phone_register")


class RegisterUnavailable(Exception):
    """The register gave no usable answer; nothing may be concluded about the number."""


class FakeRegister:
    """The local register of development and tests, from ``PHONE_REGISTER_FAKE_FILE``."""

    def is_registered_to(self, *, iin: str, phone: str) -> bool:
        return fake_answer(iin=iin, phone=phone)


class HttpRegister:
    """The production adapter: asks the register over HTTP, by the contract above."""

    def is_registered_to(self, *, iin: str, phone: str) -> bool:
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's configured register)
            settings.PHONE_REGISTER_URL,
            data=json.dumps({"iin": iin, "phone": phone}).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.PHONE_REGISTER_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.PHONE_REGISTER_TIMEOUT) as response:  # noqa: S310
                answer = json.loads(response.read(1024))
        except (OSError, ValueError) as error:
            raise RegisterUnavailable(f"phone register: {error.__class__.__name__}") from error
        registered = answer.get("registered") if isinstance(answer, dict) else None
        if not isinstance(registered, bool):
            raise RegisterUnavailable("phone register: an answer outside the contract")
        logger.info("Phone register asked about %s: %s", outbox.mask_recipient(phone), registered)
        return registered


def is_registered_to(*, iin: str, phone: str) -> bool:
    """Whether the register gives ``phone`` to ``iin``; ``RegisterUnavailable`` if it cannot say."""
    return import_string(settings.PHONE_REGISTER_BACKEND)().is_registered_to(iin=iin, phone=phone)


# --- the fake ----------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _fake_numbers(path: str) -> dict[str, str | None]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def fake_answer(*, iin: str, phone: str) -> bool:
    """The fake's rule: a number in the file belongs to its IIN only; any other, to whoever asks."""
    numbers = _fake_numbers(str(settings.PHONE_REGISTER_FAKE_FILE))
    return numbers[phone] == iin if phone in numbers else True


class FakeRegisterHandler(BaseHTTPRequestHandler):
    """The fake served over HTTP by the same contract (``manage.py run_phone_register_fake``, tests)."""

    def do_POST(self):
        try:
            asked = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            body = {"registered": fake_answer(iin=str(asked["iin"]), phone=str(asked["phone"]))}
            status = 200
        except (ValueError, KeyError, TypeError):
            body, status = {"error": 'expected {"iin": ..., "phone": ...}'}, 400
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        """Quiet: numbers and IINs never reach a log."""
