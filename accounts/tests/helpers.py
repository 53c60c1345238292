"""What a parent does with an SMS, for the sign-in tests."""

import datetime
import re

from core import outbox

# A Tuesday morning in Almaty (10:00, UTC+5), away from midnight and any holiday.
START = datetime.datetime(2026, 11, 24, 5, 0, tzinfo=datetime.UTC)


def code_sent_to(phone: str) -> str:
    """The code of the latest SMS to ``phone``, read from the outbox as a parent reads the SMS."""
    texts = outbox.messages_to(phone, channel="sms")
    assert texts, f"no SMS to {phone}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


def wrong(code: str) -> str:
    """A code that is certainly not ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"
