"""How long a signed-in session lasts, and ending a user's sessions on the server (issue 6, item 3).

A parent is signed out after ``SESSION_PARENT_IDLE_MINUTES`` without a request
or ``SESSION_PARENT_ABSOLUTE_HOURS`` after signing in, whatever they do; staff
after ``SESSION_STAFF_IDLE_MINUTES`` and ``SESSION_STAFF_ABSOLUTE_HOURS``
(docs/security.md, "Sign-in, one-time codes and sessions"). The session keeps
its sign-in time and last activity as Unix seconds from ``core.clock``;
``accounts.middleware.SessionLifetimeMiddleware`` asks ``expiry_reason`` on
every request. The cookie and the server-side row expire at the absolute limit
too, so neither outlives it.

``UserSession`` lists the session keys of each user, so signing a disabled
user out touches their sessions only, whichever session engine is configured.
"""

import datetime
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver

from audit.services import record
from audit.vocabulary import AuditAction
from core import clock

from .models import User, UserSession

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
# The last activity is written at most once a minute, so a page view is not a session write each time;
# idle time is therefore counted to the minute.
ACTIVITY_RESOLUTION = datetime.timedelta(minutes=1)

IDLE, ABSOLUTE = "idle", "absolute"


@dataclass(frozen=True)
class Lifetime:
    idle: datetime.timedelta
    absolute: datetime.timedelta


def lifetime_of(user) -> Lifetime:
    """The limits for ``user``: staff (``User.is_staff_member``) have the shorter ones."""
    if user.is_staff_member:
        return Lifetime(
            idle=datetime.timedelta(minutes=settings.SESSION_STAFF_IDLE_MINUTES),
            absolute=datetime.timedelta(hours=settings.SESSION_STAFF_ABSOLUTE_HOURS),
        )
    return Lifetime(
        idle=datetime.timedelta(minutes=settings.SESSION_PARENT_IDLE_MINUTES),
        absolute=datetime.timedelta(hours=settings.SESSION_PARENT_ABSOLUTE_HOURS),
    )


def start(session, user, now: datetime.datetime) -> None:
    """Stamp a session just signed in: its sign-in time, its activity, and an expiry at the absolute limit."""
    stamp = int(now.timestamp())
    session[SIGNED_IN_AT] = stamp
    session[LAST_SEEN_AT] = stamp
    session.set_expiry(now + lifetime_of(user).absolute)


def expiry_reason(session, user, now: datetime.datetime | None = None) -> str | None:
    """``IDLE`` or ``ABSOLUTE`` when the signed-in ``session`` is past a limit; else note the activity, None.

    A session signed in before these limits existed has no stamps: it starts now.
    """
    now = now or clock.now()
    if SIGNED_IN_AT not in session:
        start(session, user, now)
        return None
    lifetime = lifetime_of(user)
    moment = now.timestamp()
    if moment - session[SIGNED_IN_AT] > lifetime.absolute.total_seconds():
        return ABSOLUTE
    if moment - session.get(LAST_SEEN_AT, session[SIGNED_IN_AT]) > lifetime.idle.total_seconds():
        return IDLE
    if moment - session[LAST_SEEN_AT] >= ACTIVITY_RESOLUTION.total_seconds():
        session[LAST_SEEN_AT] = int(moment)
    return None


def rotate(session) -> None:
    """A new session key at a change of privilege (the second factor passed), still listed for its user."""
    old_key = session.session_key
    session.cycle_key()
    UserSession.objects.filter(session_key=old_key).update(session_key=session.session_key)


def end_sessions(*, user: User, actor=None, reason: str) -> int:
    """Delete every session ``user`` is signed in with, on the server; returns how many were listed.

    The browsers keep their cookies, which now open nothing. Recorded in the audit trail.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store.delete(key)
    UserSession.objects.filter(user=user).delete()
    record(
        action=AuditAction.SIGN_IN_SESSIONS_ENDED,
        target=user,
        actor=actor,
        details={"sessions": len(keys), "reason": reason},
    )
    return len(keys)


# --- Receivers: every way in and out, and every way to disable a user -------------------------


@receiver(user_logged_in, dispatch_uid="accounts_session_signed_in")
def _signed_in(sender, request, user, **kwargs):
    now = clock.now()
    session = request.session
    start(session, user, now)
    if session.session_key is None:
        session.save()  # ``login`` flushed a previous user's session: give this one its key now
    # Rows of sessions that can no longer be alive are dropped here rather than by a job.
    UserSession.objects.filter(user=user, created_at__lt=now - lifetime_of(user).absolute).delete()
    UserSession.objects.update_or_create(
        session_key=session.session_key, defaults={"user": user, "created_at": now}
    )


@receiver(user_logged_out, dispatch_uid="accounts_session_signed_out")
def _signed_out(sender, request, user, **kwargs):
    if request is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


@receiver(post_save, sender=User, dispatch_uid="accounts_disabled_user_signed_out")
def _disabled(sender, instance, update_fields=None, **kwargs):
    """A user disabled anywhere (the admin, a shell, a use case) is signed out of every browser at once.

    A receiver rather than a use case on purpose: ``is_active`` is a plain field
    that many places may set, and a disabled user must never keep a session.
    """
    if instance.is_active or (update_fields is not None and "is_active" not in update_fields):
        return
    if UserSession.objects.filter(user=instance).exists():
        end_sessions(user=instance, reason="disabled")
