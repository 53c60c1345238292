"""What a parent does with an SMS and a staff member with an authenticator app, for the sign-in tests."""

import datetime
import re

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import current_code
from core import outbox

# A Tuesday morning in Almaty (10:00, UTC+5), away from midnight and any holiday.
START = datetime.datetime(2026, 11, 24, 5, 0, tzinfo=datetime.UTC)


def code_sent_to(phone: str) -> str:
    """The code of the latest SMS to ``phone`` that carries one, read from the outbox as a parent reads it.

    The latest with a code, not the latest: a notice the outbox relays at the same frozen moment (a
    test's clock) may sort after it.
    """
    codes = [found.group(1) for text in outbox.messages_to(phone, channel="sms")
             if (found := re.search(r"\b(\d{6})\b", text))]  # fmt: skip
    assert codes, f"no SMS with a code to {phone}"
    return codes[-1]


def wrong(code: str) -> str:
    """A code that is certainly not ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def totp_device(user) -> TOTPDevice:
    """The staff member's confirmed authenticator device, added on first need (the app on their phone)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def code_of(device: TOTPDevice) -> str:
    """The code the app shows now."""
    return current_code(device)


def verify_session(client, user) -> None:
    """Mark ``client``'s session as having passed the second factor, as ``django_otp.login`` does."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()


def verified(user):
    """``user`` as django-otp's middleware leaves it after the second factor, for a hand-made request."""
    user.is_verified = lambda: True
    return user


def enter_authenticator_code(page, user) -> None:
    """In a browser, at the code step after the admin's password form: the code ``user``'s app shows now."""
    page.fill("input[name=code]", code_of(totp_device(user)))
    page.locator("#second-factor-form [type=submit]").click()
    page.wait_for_load_state()
