"""The one place a referral's status changes (DESIGN.md, "State and time"); see docs/state-machines.md."""

import datetime

from django.utils.translation import gettext_lazy as _

from applications.errors import InvalidTransition

from .choices import ReferralStatus
from .models import Referral

ALLOWED: dict[str, frozenset[str]] = {
    ReferralStatus.AWAITING_CONFIRMATION: frozenset(
        {ReferralStatus.ISSUED, ReferralStatus.CANCELLED, ReferralStatus.DECLINED}
    ),
    ReferralStatus.ISSUED: frozenset(
        {ReferralStatus.ENROLLED, ReferralStatus.ANNULLED, ReferralStatus.DECLINED}
    ),
    ReferralStatus.ENROLLED: frozenset(),
    ReferralStatus.ANNULLED: frozenset(),
    ReferralStatus.CANCELLED: frozenset(),
    ReferralStatus.DECLINED: frozenset(),
}


def transition(referral: Referral, to: ReferralStatus, *, now: datetime.datetime, reason: str = "") -> None:
    """Move ``referral`` to ``to`` (unsaved: the calling service saves it in its transaction)."""
    if to not in ALLOWED[referral.status]:
        raise InvalidTransition(
            _("A referral that is “%(current)s” cannot become “%(target)s”.")
            % {"current": referral.get_status_display(), "target": ReferralStatus(to).label}
        )
    referral.status = to
    referral.reason = reason
    referral.status_changed_at = now
