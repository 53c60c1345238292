"""The one place an application's status changes (DESIGN.md, "State and time").

``ALLOWED`` lists every move; docs/state-machines.md draws the same table, and a
test keeps the two in step. Anything not listed is refused.
"""

import datetime

from django.utils.translation import gettext_lazy as _

from .choices import Status
from .errors import InvalidTransition
from .models import Application

ALLOWED: dict[str, frozenset[str]] = {
    Status.IN_QUEUE: frozenset(
        {
            Status.ACCESS_OPEN,
            Status.REFERRAL_ISSUED,
            Status.AWAITING_BENEFIT_CONFIRMATION,
            Status.WITHDRAWN,
            Status.AGED_OUT,
            Status.DUPLICATE,
        }
    ),
    Status.ACCESS_OPEN: frozenset(
        {
            Status.IN_QUEUE,
            Status.REFERRAL_ISSUED,
            Status.AWAITING_BENEFIT_CONFIRMATION,
            Status.WITHDRAWN,
            Status.AGED_OUT,
            Status.DUPLICATE,
        }
    ),
    Status.AWAITING_BENEFIT_CONFIRMATION: frozenset(
        {Status.REFERRAL_ISSUED, Status.IN_QUEUE, Status.STOP_LIST, Status.WITHDRAWN}
    ),
    Status.REFERRAL_ISSUED: frozenset({Status.ENROLLED, Status.IN_QUEUE, Status.STOP_LIST, Status.WITHDRAWN}),
    Status.STOP_LIST: frozenset({Status.IN_QUEUE, Status.WITHDRAWN, Status.AGED_OUT}),
    Status.ENROLLED: frozenset(),
    Status.WITHDRAWN: frozenset(),
    Status.AGED_OUT: frozenset(),
    Status.DUPLICATE: frozenset(),
}


def transition(application: Application, to: Status, *, now: datetime.datetime, reason: str = "") -> None:
    """Move ``application`` to status ``to`` (unsaved: the calling service saves it in its transaction)."""
    if to not in ALLOWED[application.status]:
        raise InvalidTransition(
            _("An application that is “%(current)s” cannot become “%(target)s”.")
            % {"current": application.get_status_display(), "target": Status(to).label}
        )
    application.status = to
    application.status_reason = reason
    application.status_changed_at = now
