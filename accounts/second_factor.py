"""Use cases of the staff second factor: a TOTP authenticator app per staff member (issue 6, item 3).

Staff sign in with a password, then a 6-digit code from an authenticator app
(django-otp's ``TOTPDevice``: 30-second steps, one step of clock skew either
way, a code accepted once). A staff member without a confirmed device enrols
at that step: a QR code and the secret in text, confirmed with a first code.
Until the code is accepted the session is signed in but not verified, and
nothing staff-only opens (``request.user.is_verified()``). Wrong codes count
toward the same django-axes lockout as wrong passwords (the view sends
``user_login_failed``). Parents have no device: their SMS code is their factor.
"""

import base64
import io

import django_otp
import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import record
from audit.vocabulary import AuditAction
from core.errors import DomainError

from . import sessions
from .models import User

DEVICE_NAME = "authenticator"


class SecondFactorResetRefused(DomainError):
    code = "second_factor_reset_refused"


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed device a staff member is enrolling, made with a fresh random key on first need.

    It stays the same until confirmed, so the QR code scanned and the code typed agree.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def verify_code(request, *, device: TOTPDevice, code: str) -> bool:
    """Accept ``code`` from ``device`` for the signed-in staff member of ``request``, or return False.

    Accepted: the device is confirmed (the end of enrolment), the session is
    marked verified (``django_otp.login``) under a new session key, and the
    audit trail records it. The device row is locked while it is checked, and
    django-otp accepts only a time step later than the last accepted one, so a
    code is never accepted twice, even by two requests at once.
    """
    user = request.user
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if not device.verify_token(code):
            return False
        enrolled = not device.confirmed
        if enrolled:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        record(
            action=AuditAction.SECOND_FACTOR_ENROLLED if enrolled else AuditAction.SECOND_FACTOR_VERIFIED,
            target=user,
            actor=user,
        )
    django_otp.login(request, device)
    sessions.rotate(request.session)
    return True


def reset_second_factor(*, user: User, actor: User) -> None:
    """Remove ``user``'s devices (a lost phone), so they enrol again at their next sign-in; superusers only.

    Nobody resets their own: a stolen password must not be enough to replace
    its owner's phone. The user's sessions end too. Audited.
    """
    if not actor.is_superuser:
        raise SecondFactorResetRefused(_("Only a superuser can reset a second factor."))
    if actor.pk == user.pk:
        raise SecondFactorResetRefused(_("You cannot reset your own second factor: ask another superuser."))
    with transaction.atomic():
        removed, _details = TOTPDevice.objects.filter(user=user).delete()
        record(action=AuditAction.SECOND_FACTOR_RESET, target=user, actor=actor, details={"devices": removed})
        sessions.end_sessions(user=user, actor=actor, reason="second_factor_reset")


def current_code(device: TOTPDevice) -> str:
    """The code ``device``'s app shows now (the demo's ``demo_totp_code``; the app computes the same)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` address as an SVG QR code in a data URI (no image file, no Pillow)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def secret_text(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
