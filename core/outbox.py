"""The embedded default for messages to people: print them, and keep a copy in ``var/outbox/``.

On a developer's machine and in tests, nothing leaves the computer: every SMS
and e-mail is logged and written as a file, one per message, so a person (or a
browser test) can read the one-time code a parent would have received.
"""

import logging
import secrets
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

from . import clock

logger = logging.getLogger("kezek.outbox")


def write(*, channel: str, recipient: str, text: str) -> Path:
    """Keep one message as ``<time>-<channel>-<random>.txt`` and log that it was written."""
    folder = Path(settings.OUTBOX_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{channel}-{secrets.token_hex(4)}.txt"
    path.write_text(f"To: {recipient}\n\n{text}\n", encoding="utf-8")
    logger.info("%s to %s written to %s", channel, mask_recipient(recipient), path.name)
    return path


def messages_to(recipient: str, *, channel: str | None = None) -> list[str]:
    """The texts sent to ``recipient``, oldest first (used by tests and the demo)."""
    folder = Path(settings.OUTBOX_DIR)
    if not folder.exists():
        return []
    pattern = f"*-{channel}-*.txt" if channel else "*.txt"
    texts = []
    for path in sorted(folder.glob(pattern)):
        header, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        if header == f"To: {recipient}":
            texts.append(body.rstrip("\n"))
    return texts


def mask_recipient(recipient: str) -> str:
    """Logs never carry a whole phone number or address: +7701*****67."""
    if "@" in recipient:
        name, _, domain = recipient.partition("@")
        return f"{name[:1]}***@{domain}"
    return recipient[:5] + "*" * max(0, len(recipient) - 7) + recipient[-2:]


class OutboxEmailBackend(BaseEmailBackend):
    """Django e-mail backend of the embedded default: each message into the outbox."""

    def send_messages(self, email_messages):
        for message in email_messages:
            for recipient in message.recipients():
                text = f"Subject: {message.subject}\n\n{message.body}"
                write(channel="email", recipient=recipient, text=text)
        return len(email_messages)
