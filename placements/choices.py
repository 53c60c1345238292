from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferralStatus(models.TextChoices):
    """Where a referral is in its life (RULES.md section 5; docs/state-machines.md draws the moves)."""

    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting confirmation of the out-of-turn benefit")
    ISSUED = "issued", _("Issued")
    ENROLLED = "enrolled", _("Enrolled")
    ANNULLED = "annulled", _("Annulled: not used in time")
    CANCELLED = "cancelled", _("Cancelled: benefit not confirmed")
    DECLINED = "declined", _("Declined: the place was given up")


#: A child holds at most one referral in these statuses (partial unique constraints).
ACTIVE_REFERRAL_STATUSES = (ReferralStatus.AWAITING_CONFIRMATION, ReferralStatus.ISSUED)
