"""Use cases of the parent's sign-in: one-time codes by SMS, first sign-in and registration.

RULES.md section 7: the cabinet opens with the parent's IIN and a one-time code
sent by SMS to a phone already on record for that IIN; no password. Issue 6
sets the figures, kept here as constants: 6 digits from ``secrets``, valid 5
minutes, single use, void after 5 wrong entries; at most one send per 60 s, 3
per 15 minutes and 5 per hour per IIN and per phone, 20 per hour per client
address. Failed checks are counted and locked by django-axes, which sits in
front of ``accounts.backends.OneTimeCodeBackend`` (settings, "Parent sign-in").

Nothing here may tell a visitor whether an IIN or a phone is registered: a
request for a phone that is not on record makes a row like any other (so the
limits count it), only nothing is sent and the code can never match.
"""

import datetime
import math
import secrets
import uuid

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.services import record
from audit.vocabulary import AuditAction
from core import clock, outbox
from core.errors import DomainError
from core.logging import mask

from . import phone_register
from .authorization import is_parent_account
from .choices import Role
from .models import Applicant, CodePurpose, Language, OneTimeCode, User
from .sms import send_sms

CODE_DIGITS = 6
CODE_LIFETIME = datetime.timedelta(minutes=5)
MAX_WRONG_ENTRIES = 5
# (window, most sends in it), per IIN and per phone; per client address below.
SEND_LIMITS = (
    (datetime.timedelta(seconds=60), 1),
    (datetime.timedelta(minutes=15), 3),
    (datetime.timedelta(hours=1), 5),
)
ADDRESS_SEND_LIMIT = (datetime.timedelta(hours=1), 20)
# How long after the code a new parent has to fill in the registration form.
REGISTRATION_WINDOW = datetime.timedelta(minutes=15)

SMS_TEXTS = {
    CodePurpose.SIGN_IN: _(
        "Kezek: your sign-in code is %(code)s. It is valid for 5 minutes. "
        "Never tell it to anyone: the service is free."
    ),
    CodePurpose.TAKE_REFERRAL: _(
        "Kezek: your code to get a referral is %(code)s. It is valid for 5 minutes. "
        "Never tell it to anyone: the service is free."
    ),
}


# --- Errors ---------------------------------------------------------------------


class TooManyCodes(DomainError):
    """A send limit is reached; ``retry_at`` says when a request will be accepted again."""

    code = "too_many_codes"

    def __init__(self, *, retry_at: datetime.datetime, now: datetime.datetime):
        self.retry_at = retry_at
        wait = max(1, math.ceil((retry_at - now).total_seconds()))
        if wait <= 60:
            message = ngettext(
                "A code was sent a moment ago. You can request a new one in %(seconds)d second.",
                "A code was sent a moment ago. You can request a new one in %(seconds)d seconds.",
                wait,
            ) % {"seconds": wait}
        else:
            message = _("You have requested too many codes. You can request a new one after %(time)s.")
            message %= {"time": _clock_time(retry_at)}
        super().__init__(message, field=None)


class CodeRefused(DomainError):
    """A code check that failed; each reason is a subclass with its own message."""

    code = "code_refused"
    reason = "refused"
    default_message = _("This code is not valid. Please request a new one.")

    def __init__(self, message=None):
        super().__init__(message or self.default_message, field="code")


class UnknownCode(CodeRefused):
    code = "code_unknown"
    reason = "unknown"
    default_message = _("This code is not valid. Please request a new one.")


class WrongCode(CodeRefused):
    code = "wrong_code"
    reason = "wrong"

    def __init__(self, *, attempts_left: int):
        self.attempts_left = attempts_left
        if attempts_left > 0:
            message = ngettext(
                "Wrong code. Check the SMS and try again: %(left)d attempt left.",
                "Wrong code. Check the SMS and try again: %(left)d attempts left.",
                attempts_left,
            ) % {"left": attempts_left}
        else:
            message = _("Wrong code. This code no longer works: please request a new one.")
        super().__init__(message)


class CodeExpired(CodeRefused):
    code = "code_expired"
    reason = "expired"
    default_message = _("This code has expired: a code is valid for 5 minutes. Please request a new one.")


class CodeUsed(CodeRefused):
    code = "code_used"
    reason = "used"
    default_message = _("This code has already been used. Please request a new one.")


class CodeVoid(CodeRefused):
    code = "code_void"
    reason = "void"
    default_message = _("This code no longer works after 5 wrong entries. Please request a new one.")


class SignInLocked(CodeRefused):
    """Too many failed checks for this IIN or from this address (django-axes keeps the count)."""

    code = "sign_in_locked"
    reason = "locked"

    def __init__(self, *, until: datetime.datetime | None):
        self.until = until
        if until is None:
            message = _(
                "Too many failed attempts to sign in with this IIN or from this network. For your safety, "
                "signing in is blocked for an hour. Please try again later."
            )
        else:
            message = _(
                "Too many failed attempts to sign in with this IIN or from this network. For your safety, "
                "signing in is blocked until %(time)s. Please try again then."
            ) % {"time": _clock_time(until)}
        super().__init__(message)


class PhoneNotRegistered(DomainError):
    """The register of mobile numbers says the number is not the IIN's: asked alike for new and known IINs."""

    code = "phone_not_registered"

    def __init__(self, *, field: str = "phone"):
        super().__init__(
            _(
                "This mobile number is not registered to this IIN in the state register of mobile numbers. "
                "Enter a number registered to you, or register yours at a Government for Citizens centre or "
                "on egov.kz."
            ),
            field=field,
        )


class PhoneRegisterDown(DomainError):
    """The register could not answer: nothing is sent and nothing is concluded."""

    code = "phone_register_unavailable"

    def __init__(self, *, field: str = "phone"):
        super().__init__(
            _("The mobile number cannot be checked right now. Please try again in a few minutes."),
            field=field,
        )


class RegistrationExpired(DomainError):
    """The confirmed phone waited too long for the registration form, or the IIN got a cabinet meanwhile."""

    code = "registration_expired"

    def __init__(self):
        super().__init__(_("Your confirmation is no longer valid. Please sign in again."))


class CabinetClosed(DomainError):
    """The applicant's user was disabled (or is not a parent's): only staff can look into it."""

    code = "cabinet_closed"

    def __init__(self):
        super().__init__(
            _("This cabinet cannot be opened. Please call the call centre."),
            field="code",
        )


# --- Codes ----------------------------------------------------------------------


def request_code(
    *,
    iin: str,
    phone: str,
    purpose: str,
    client_ip: str | None,
    now: datetime.datetime | None = None,
) -> OneTimeCode:
    """Send a one-time code for ``purpose``, if ``phone`` may receive it, and return its row.

    A code goes only to a phone on record for the IIN: the applicant's ``phone``
    or ``phone2``; for an IIN nobody has registered, signing in is registering,
    and the code goes to the phone typed, which it then confirms, if the state
    register of mobile numbers says it is registered to that IIN. Otherwise the
    row is made with ``deliverable=False`` and nothing is sent; the caller gets
    the same row either way and must answer alike. A sign-in with a phone not
    on record that the register does not give to the IIN raises
    ``PhoneNotRegistered`` (``PhoneRegisterDown`` when it cannot say), whether
    the IIN has a cabinet or not, so the answer never tells a new IIN from a
    known one (issue 15 item 6); the row still counts in the limits, so the
    register cannot be probed faster than codes are sent. Over a send limit,
    raises ``TooManyCodes`` and sends nothing. The SMS leaves after the commit, in
    this request: a code never waits in a task queue.
    """
    now = now or clock.now()
    purpose = CodePurpose(purpose)
    with transaction.atomic():
        _one_request_at_a_time(iin=iin, phone=phone)
        refusal = _send_limit_refusal(iin=iin, phone=phone, purpose=purpose, client_ip=client_ip, now=now)
        if refusal is None:
            code, text, refusal = _issue_code(
                iin=iin, phone=phone, purpose=purpose, client_ip=client_ip, now=now
            )
            if code.deliverable:
                # robust: a gateway failure must not turn into an answer that differs from a withheld code.
                transaction.on_commit(lambda: send_sms(phone=phone, text=text), robust=True)
    if refusal is not None:
        raise refusal
    return code


def verify_code(
    *,
    code_id,
    code: str,
    purpose: str,
    client_ip: str | None,
    now: datetime.datetime | None = None,
) -> OneTimeCode:
    """Accept ``code`` for the row ``code_id`` once, or raise a ``CodeRefused`` saying why.

    Refused: a locked IIN or address (``SignInLocked``), a code already used,
    expired (valid through 5 minutes after the request, not a second more),
    void after 5 wrong entries (even the right code), or wrong. The row is
    locked while it is checked and marked used with a conditional UPDATE, so
    two checks at once cannot both pass. Call it outside a transaction: a
    refusal is recorded (the wrong-entry count, the audit event) before it is
    raised, and an enclosing rollback would undo that record.
    """
    with transaction.atomic():
        row, refusal = check_code(code_id=code_id, code=code, purpose=purpose, client_ip=client_ip, now=now)
    if refusal is not None:
        raise refusal
    return row


def check_code(
    *,
    code_id,
    code: str,
    purpose: str,
    client_ip: str | None,
    now: datetime.datetime | None = None,
    iin: str | None = None,
) -> tuple[OneTimeCode | None, CodeRefused | None]:
    """``verify_code`` inside the caller's transaction: the row accepted, or the refusal, recorded, to raise.

    For a caller whose change and the code's use must commit together
    (``placements.services.take_referral``: a take that fails leaves its code
    unused). The caller commits a refusal's record before raising it. With
    ``iin``, a row requested for another IIN is unknown, like a row that does
    not exist: nothing is recorded about a code that is not the caller's.
    """
    now = now or clock.now()
    row = _code_row(code_id, purpose, for_update=True)
    if row is not None and iin is not None and row.iin != iin:
        row = None
    refusal = _refusal(row, code, client_ip, now)
    if refusal is None:
        claimed = OneTimeCode.objects.filter(
            pk=row.pk, used_at__isnull=True, failed_attempts__lt=MAX_WRONG_ENTRIES, expires_at__gte=now
        ).update(used_at=now)
        if claimed:
            row.used_at = now
            record(
                action=AuditAction.ONE_TIME_CODE_ACCEPTED,
                target=row,
                actor=AnonymousUser(),
                at=now,
                details=_code_details(row),
            )
            return row, None
        refusal = CodeUsed()
    if row is not None:
        _record_check_failed(row, reason=refusal.reason, now=now)
    return row, refusal


def _record_check_failed(code: OneTimeCode, *, reason: str, now: datetime.datetime) -> None:
    record(
        action=AuditAction.ONE_TIME_CODE_CHECK_FAILED,
        target=code,
        actor=AnonymousUser(),
        at=now,
        details={**_code_details(code), "reason": reason},
    )


def find_code(*, code_id, purpose: str) -> OneTimeCode | None:
    """The code row ``code_id`` of ``purpose`` (a session keeps only the id), or None."""
    return _code_row(code_id, purpose)


def code_is_for(*, code_id, iin: str) -> bool:
    """Whether the code row ``code_id`` was requested for ``iin``."""
    row = _code_row(code_id, purpose=None)
    return row is not None and row.iin == iin


def refuse_locked_check(
    *, code: OneTimeCode, client_ip: str | None, now: datetime.datetime | None = None
) -> SignInLocked:
    """The refusal of a check that django-axes turned away before the code was looked at, recorded."""
    now = now or clock.now()
    _record_check_failed(code, reason=SignInLocked.reason, now=now)
    return SignInLocked(until=locked_until(iin=code.iin, client_ip=client_ip, now=now))


def locked_until(
    *, iin: str, client_ip: str | None, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """When checks for this IIN or from this address are allowed again, or None if they are now.

    The question ``axes.backends.AxesStandaloneBackend`` asks before every
    check, answered from axes' own table for callers without a request, with
    the settings' lockout parameters (the username, which is the IIN for codes,
    or the address) and the database handler's rule: the failures of rows
    updated within the cool-off add up, and the lock lasts until enough of
    them have aged out.
    """
    now = now or clock.now()
    cool_off = get_cool_off()
    limit = settings.AXES_FAILURE_LIMIT
    parameters = Q(username=iin)
    if client_ip:
        parameters |= Q(ip_address=client_ip)
    # One read of both parameters' rows (every code check asks, each press of a rush too), split here.
    rows = list(
        AccessAttempt.objects.filter(parameters, attempt_time__gte=now - cool_off)
        .order_by("attempt_time")
        .values_list("username", "ip_address", "attempt_time", "failures_since_start")
    )
    ends = []
    for column, value in ((0, iin), (1, client_ip)):
        if not value:
            continue
        attempts = [(row[2], row[3]) for row in rows if row[column] == value]
        remaining = sum(failures for _at, failures in attempts)
        for attempt_time, failures in attempts:
            if remaining < limit:
                break
            remaining -= failures
            if remaining < limit:
                ends.append(attempt_time + cool_off)
    return max(ends, default=None)


class LiftRefused(DomainError):
    code = "lift_refused"


def lift_lockout(*, attempts, actor: User) -> int:
    """Let the IINs, usernames and addresses of ``attempts`` sign in again at once; superusers only.

    Nothing is deleted (issue 15, item 2): each django-axes row stays, with its
    user agent, address and time, and only its failure count starts again from
    zero, which is what axes sums to decide a lock (``locked_until`` too). The
    count that is lifted, and who lifted it, go to the audit trail first, as
    ``sign_in.lockout_lifted``, so the row's history can always be told. Rows
    without failures are left alone. Returns how many rows were lifted.
    """
    if not actor.is_superuser:
        raise LiftRefused(_("Only a superuser can lift a sign-in lockout."))
    with transaction.atomic():
        rows = list(
            AccessAttempt.objects.select_for_update()
            .filter(pk__in=[attempt.pk for attempt in attempts], failures_since_start__gt=0)
            .order_by("pk")
        )
        for row in rows:
            record(
                action=AuditAction.SIGN_IN_LOCKOUT_LIFTED,
                target=row,
                actor=actor,
                details={
                    "username": mask(row.username or ""),
                    "ip_address": row.ip_address,
                    "failures": row.failures_since_start,
                    "last_failure": row.attempt_time.isoformat(),
                },
            )
        AccessAttempt.objects.filter(pk__in=[row.pk for row in rows]).update(failures_since_start=0)
    return len(rows)


# --- Signing in and registering ---------------------------------------------------


def sign_in_user(*, code: OneTimeCode, now: datetime.datetime | None = None) -> User | None:
    """The parent's user that a verified sign-in ``code`` opens the cabinet of; None for a new IIN.

    An applicant entered on paper has a cabinet but no user yet: the first
    sign-in makes one (role parent, no usable password, a username that is not
    the IIN). A code sent to a new IIN no longer opens anything once the IIN
    has a cabinet, since that phone was never confirmed for it.
    """
    now = now or clock.now()
    with transaction.atomic():
        applicant = Applicant.objects.select_for_update().filter(iin=code.iin).first()
        if applicant is None:
            return None
        if code.applicant_id != applicant.pk or code.phone not in (applicant.phone, applicant.phone2):
            raise UnknownCode()
        first_sign_in = applicant.user_id is None
        if first_sign_in:
            applicant.user = _new_parent_user(applicant)
            applicant.save(update_fields=["user"])
        user = applicant.user
        if not is_parent_account(user):
            raise CabinetClosed()
        record(
            action=AuditAction.SIGN_IN_SUCCEEDED,
            target=applicant,
            actor=user,
            at=now,
            details={"iin": mask_iin(applicant.iin), "first_sign_in": first_sign_in},
        )
    return user


def confirmed_for_registration(*, code_id, now: datetime.datetime | None = None) -> OneTimeCode:
    """The verified sign-in code a new parent registers with, while it may still be used for that."""
    now = now or clock.now()
    row = _code_row(code_id, CodePurpose.SIGN_IN)
    if (
        row is None
        or row.used_at is None
        or row.used_at < now - REGISTRATION_WINDOW
        or row.applicant_id is not None
        or not row.deliverable
        or Applicant.objects.filter(iin=row.iin).exists()
    ):
        raise RegistrationExpired()
    return row


def register_applicant(
    *,
    code_id,
    surname: str,
    name: str,
    patronymic: str = "",
    phone2: str = "",
    email: str = "",
    language: str,
    consent_version: str,
    now: datetime.datetime | None = None,
) -> Applicant:
    """Open the cabinet of a new parent whose phone a sign-in code has just confirmed.

    Makes the applicant (IIN and phone from the code) with the consent to
    personal-data processing (its text version and time; issue 6 item 8) and
    its user. Raises ``RegistrationExpired`` when the code is no longer good for
    it, including when the IIN got a cabinet in the meantime, and
    ``PhoneNotRegistered`` for a second phone the register does not give to the IIN.
    """
    now = now or clock.now()
    if language not in Language.values:
        language = Language.KAZAKH
    if phone2:
        check_phone_owner(
            iin=confirmed_for_registration(code_id=code_id, now=now).iin, phone=phone2, field="phone2"
        )
    try:
        with transaction.atomic():
            code = confirmed_for_registration(code_id=code_id, now=now)
            applicant = Applicant(
                iin=code.iin,
                surname=surname,
                name=name,
                patronymic=patronymic,
                phone=code.phone,
                phone2=phone2,
                email=email,
                language=language,
                consent_version=consent_version,
                consented_at=now,
            )
            applicant.full_clean(exclude=["user"])
            applicant.user = _new_parent_user(applicant)
            applicant.save()
            OneTimeCode.objects.filter(pk=code.pk).update(applicant=applicant)
            details = {"iin": mask_iin(applicant.iin)}
            record(
                action=AuditAction.APPLICANT_REGISTERED,
                target=applicant,
                actor=applicant.user,
                at=now,
                details={**details, "consent_version": consent_version},
            )
            record(
                action=AuditAction.SIGN_IN_SUCCEEDED,
                target=applicant,
                actor=applicant.user,
                at=now,
                details={**details, "first_sign_in": True},
            )
    except IntegrityError as error:
        # Two registrations of one IIN at once: the unique IIN lets one through.
        raise RegistrationExpired() from error
    return applicant


def record_sign_out(*, user) -> None:
    """Signing out ends the session on the server (the view); the trail keeps that it happened."""
    applicant = getattr(user, "applicant", None)
    if applicant is not None:
        record(action=AuditAction.SIGN_IN_SIGNED_OUT, target=applicant, actor=user)


def mask_iin(iin: str) -> str:
    """Logs and audit details never carry a whole IIN: ``210315******`` (issue 6 item 7)."""
    return iin[:6] + "*" * max(0, len(iin) - 6)


# --- Helpers ----------------------------------------------------------------------


def _issue_code(*, iin, phone, purpose, client_ip, now) -> tuple[OneTimeCode, str, DomainError | None]:
    applicant = Applicant.objects.filter(iin=iin).first()
    refusal = None
    if applicant is not None and phone in (applicant.phone, applicant.phone2):
        deliverable = True
    elif purpose == CodePurpose.SIGN_IN:
        # Only signing in can register: to a phone the register gives to the IIN, and to a new IIN only.
        refusal = _phone_owner_refusal(iin=iin, phone=phone)
        deliverable = refusal is None and applicant is None
    else:
        deliverable = False
    secret = "".join(secrets.choice("0123456789") for _digit in range(CODE_DIGITS))
    code = OneTimeCode(
        purpose=purpose,
        iin=iin,
        phone=phone,
        applicant=applicant,
        deliverable=deliverable,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
        client_ip=client_ip,
    )
    code.code_hash = code.hash_of(secret)
    code.full_clean()
    code.save(force_insert=True)
    details = _code_details(code)
    if refusal is not None:
        details["reason"] = refusal.code
    record(
        action=AuditAction.ONE_TIME_CODE_SENT if deliverable else AuditAction.ONE_TIME_CODE_WITHHELD,
        target=code,
        actor=AnonymousUser(),
        at=now,
        details=details,
    )
    language = applicant.language if applicant is not None else translation.get_language()
    with translation.override(language):
        text = str(SMS_TEXTS[purpose] % {"code": secret})
    return code, text, refusal


def _phone_owner_refusal(*, iin: str, phone: str, field: str = "phone") -> DomainError | None:
    """Why ``phone`` may not receive ``iin``'s codes, or None when the register says it is theirs."""
    try:
        registered = phone_register.is_registered_to(iin=iin, phone=phone)
    except phone_register.RegisterUnavailable:
        return PhoneRegisterDown(field=field)
    return None if registered else PhoneNotRegistered(field=field)


def check_phone_owner(*, iin: str, phone: str, field: str = "phone") -> None:
    """Refuse a phone that is about to receive ``iin``'s codes unless the register gives it to that IIN.

    For every path that gives a cabinet a phone other than by a sign-in code:
    the second phone at registration, a cabinet made by a paper application.
    """
    refusal = _phone_owner_refusal(iin=iin, phone=phone, field=field)
    if refusal is not None:
        raise refusal


def _send_limit_refusal(*, iin, phone, purpose, client_ip, now) -> TooManyCodes | None:
    """``TooManyCodes`` (recorded in the audit trail) if a send limit is reached, else None."""
    keys = [("iin", iin, SEND_LIMITS), ("phone", phone, SEND_LIMITS)]
    if client_ip:
        keys.append(("client_ip", client_ip, (ADDRESS_SEND_LIMIT,)))
    reached = []
    for field, value, limits in keys:
        longest = max(window for window, _most in limits)
        most = max(count for _window, count in limits)
        recent = list(
            OneTimeCode.objects.filter(purpose=purpose, created_at__gt=now - longest, **{field: value})
            .order_by("-created_at")
            .only("pk", "created_at")[:most]
        )
        for window, count in limits:
            in_window = [row for row in recent if row.created_at > now - window]
            if len(in_window) >= count:
                # The oldest of the last ``count`` sends has to age out of the window first.
                blocking = in_window[count - 1]
                reached.append((blocking.created_at + window, field, window, blocking))
    if not reached:
        return None
    retry_at, field, window, blocking = max(reached, key=lambda limit: limit[0])
    record(
        action=AuditAction.ONE_TIME_CODE_REFUSED,
        target=blocking,
        actor=AnonymousUser(),
        at=now,
        details={
            "purpose": purpose,
            "iin": mask_iin(iin),
            "phone": outbox.mask_recipient(phone),
            "limit": field,
            "window_seconds": int(window.total_seconds()),
            "retry_at": retry_at.isoformat(),
        },
    )
    return TooManyCodes(retry_at=retry_at, now=now)


def _one_request_at_a_time(*, iin: str, phone: str) -> None:
    """Serialise requests for one IIN or phone, so parallel requests cannot all pass the limits' counts.

    PostgreSQL transaction-level advisory locks, taken in a fixed order; other
    databases (SQLite in development) write one transaction at a time anyway.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted((f"one-time-code:iin:{iin}", f"one-time-code:phone:{phone}")):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _code_row(code_id, purpose, *, for_update: bool = False) -> OneTimeCode | None:
    try:
        pk = uuid.UUID(str(code_id))
    except ValueError:
        return None
    rows = OneTimeCode.objects.filter(pk=pk)
    if purpose is not None:
        rows = rows.filter(purpose=purpose)
    if for_update:
        rows = rows.select_for_update()
    return rows.first()


def _refusal(row: OneTimeCode | None, code: str, client_ip, now) -> CodeRefused | None:
    if row is None:
        return UnknownCode()
    if (until := locked_until(iin=row.iin, client_ip=client_ip, now=now)) is not None:
        return SignInLocked(until=until)
    if row.used_at is not None:
        return CodeUsed()
    if now > row.expires_at:
        return CodeExpired()
    if row.failed_attempts >= MAX_WRONG_ENTRIES:
        return CodeVoid()
    if row.matches(str(code).strip()):
        return None
    OneTimeCode.objects.filter(pk=row.pk).update(failed_attempts=F("failed_attempts") + 1)
    row.refresh_from_db(fields=["failed_attempts"])
    return WrongCode(attempts_left=max(0, MAX_WRONG_ENTRIES - row.failed_attempts))


def _code_details(code: OneTimeCode) -> dict:
    return {
        "purpose": code.purpose,
        "iin": mask_iin(code.iin),
        "phone": outbox.mask_recipient(code.phone),
        "failed_attempts": code.failed_attempts,
    }


def _new_parent_user(applicant: Applicant) -> User:
    user = User(
        username=f"parent-{secrets.token_hex(8)}",
        role=Role.PARENT,
        first_name=applicant.name,
        last_name=applicant.surname,
        email=applicant.email,
    )
    user.set_unusable_password()
    user.save()
    return user


def _clock_time(moment: datetime.datetime) -> str:
    """``moment`` as the parent reads a clock in Almaty: 14:05, rounded up to the next whole minute."""
    local = timezone.localtime(moment)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    return local.strftime("%H:%M")
