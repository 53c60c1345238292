"""The one place an access's status changes (DESIGN.md, "State and time"); docs/state-machines.md draws it."""

import datetime

from django.db.models import Case, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from applications.errors import InvalidTransition

from .choices import AccessStatus
from .models import Access

ALLOWED: dict[str, frozenset[str]] = {
    AccessStatus.OPEN: frozenset({AccessStatus.USED, AccessStatus.ENDED}),
    AccessStatus.USED: frozenset(),
    AccessStatus.ENDED: frozenset(),
}


def transition(access: Access, to: AccessStatus, *, now: datetime.datetime) -> None:
    """Move ``access`` to ``to`` (unsaved: the calling service saves it in its transaction)."""
    if to not in ALLOWED[access.status]:
        raise InvalidTransition(
            _("An access that is “%(current)s” cannot become “%(target)s”.")
            % {"current": access.get_status_display(), "target": AccessStatus(to).label}
        )
    access.status = to
    access.closed_at = now


def close_open(accesses: QuerySet[Access], *, used: Q | None, now: datetime.datetime) -> int:
    """End the open ones of ``accesses`` in one UPDATE, those matching ``used`` as used; how many.

    The many-row form of ``transition`` for Get referral's press, where one
    statement instead of a read and a write per access matters (issue 11): only
    an open access moves, to used or ended, exactly what ``ALLOWED`` permits.
    """
    status = (
        AccessStatus.ENDED
        if used is None
        else Case(When(used, then=Value(AccessStatus.USED)), default=Value(AccessStatus.ENDED))
    )
    return accesses.filter(status=AccessStatus.OPEN).update(status=status, closed_at=now)
