"""Sending SMS through a pluggable backend (RULES.md section 7: codes and notices go by SMS).

``settings.SMS_BACKEND`` names the backend: the outbox of the embedded default
(console and ``var/outbox/``), or an HTTP gateway configured from the
environment. Callers use ``send_sms`` and never know which one runs.
"""

import json
import logging
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

from core import outbox

logger = logging.getLogger("kezek.sms")


class SmsDeliveryError(Exception):
    """The gateway did not accept the message; the caller (a Celery task) may retry."""


class OutboxBackend:
    def send(self, *, phone: str, text: str) -> None:
        outbox.write(channel="sms", recipient=phone, text=text)


class HttpGatewayBackend:
    """POSTs ``{"to": phone, "text": text}`` as JSON with a bearer token to ``SMS_GATEWAY_URL``.

    The gateway must answer 2xx; anything else, or no answer within
    ``SMS_GATEWAY_TIMEOUT`` seconds, raises ``SmsDeliveryError``.
    """

    def send(self, *, phone: str, text: str) -> None:
        body = json.dumps({"to": phone, "text": text}).encode()
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's configured gateway)
            settings.SMS_GATEWAY_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:  # noqa: S310
                status = response.status
        except OSError as error:
            raise SmsDeliveryError(f"SMS gateway unreachable: {error.__class__.__name__}") from error
        if not 200 <= status < 300:
            raise SmsDeliveryError(f"SMS gateway answered {status}")
        logger.info("SMS to %s accepted by the gateway", outbox.mask_recipient(phone))


def send_sms(*, phone: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(phone=phone, text=text)
