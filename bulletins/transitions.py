"""The one place an access's status changes (DESIGN.md, "State and time"); docs/state-machines.md draws it."""

import datetime

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
