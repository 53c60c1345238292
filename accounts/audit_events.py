"""Sign-ins in the audit trail, whichever backend checked them (issue 6 item 7).

Django's ``user_logged_in`` and ``user_login_failed`` and axes' ``user_locked_out``
cover every way in: the admin's password form, a second-factor step, any later
backend. A parent's sign-in with a one-time code is recorded by the use case
itself (``services.verify_code`` and ``services.sign_in_user``, with the
applicant as the record), so those are left out here rather than written twice.
A username is kept masked: someone may type an IIN into it.
"""

from axes.signals import user_locked_out
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from audit.services import record
from audit.vocabulary import AuditAction
from core.logging import mask

from .models import User

ONE_TIME_CODE_BACKEND = "accounts.backends.OneTimeCodeBackend"
#: The sender of a wrong code at the staff's second step (``accounts.staff_views``).
SECOND_FACTOR_VIEWS = "accounts.staff_views"


@receiver(user_logged_in, dispatch_uid="audit_sign_in_succeeded")
def sign_in_succeeded(sender, request, user, **kwargs):
    backend = getattr(user, "backend", "")
    if backend == ONE_TIME_CODE_BACKEND:
        return
    record(action=AuditAction.SIGN_IN_SUCCEEDED, target=user, actor=user, details={"backend": backend})


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    if "one_time_code" in credentials:
        return
    username = str(credentials.get("username") or "")
    record(
        action=AuditAction.SIGN_IN_FAILED,
        target=_user_named(username),
        actor=AnonymousUser(),
        details={
            "username": mask(username),
            "step": "second_factor" if sender == SECOND_FACTOR_VIEWS else "password",
            "locked": bool(getattr(request, "axes_locked_out", False)),
        },
    )


@receiver(user_locked_out, dispatch_uid="audit_sign_in_locked_out")
def sign_in_locked_out(sender, request, username, ip_address, **kwargs):
    """Axes locks a username or an address: sent with the failure that reaches the limit, and again with
    each failure during the lock (``sign_in.failed`` then says ``locked``)."""
    record(
        action=AuditAction.SIGN_IN_LOCKED_OUT,
        target=_user_named(username or ""),
        actor=AnonymousUser(),
        details={"username": mask(username or "")},
    )


def _user_named(username: str) -> User | None:
    return User.objects.filter(username=username).first() if username else None
