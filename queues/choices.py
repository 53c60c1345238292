from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BenefitClass(models.IntegerChoices):
    """An entry's class in its queue (RULES.md section 3). The value is the class's rank."""

    OUT_OF_TURN = 1, _("Out-of-turn")
    FIRST_TURN = 2, _("First-turn")
    GENERAL = 3, pgettext_lazy("benefit class", "General")


class LeaveReason(models.TextChoices):
    """Why an entry stopped counting in its queue."""

    WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")
    ENROLLED = "enrolled", _("Enrolled in a kindergarten")
    AGED_OUT = "aged_out", _("No longer qualifies by age")
    DUPLICATE = "duplicate", _("Duplicate application")
    QUEUE_KIND_DROPPED = "queue_kind_dropped", _("No longer eligible for this kind of queue")


class QueueEventCause(models.TextChoices):
    """Why an entry entered, left or changed class in its queue: what a parent is told (issue 12)."""

    SUBMITTED = "submitted", _("Application submitted")
    BACKDATED_PAPER = "backdated_paper", _("Paper application received earlier")
    WITHDRAWN = "withdrawn", _("Application withdrawn")
    ENROLLED = "enrolled", _("Child enrolled in a kindergarten")
    AGED_OUT = "aged_out", _("Child aged out of the queue")
    DUPLICATE = "duplicate", _("Duplicate application")
    QUEUE_KIND_DROPPED = "queue_kind_dropped", _("No longer eligible for this kind of queue")
    BENEFIT_CONFIRMED = "benefit_confirmed", _("Benefit confirmed")
    BENEFIT_REJECTED = "benefit_rejected", _("Benefit rejected")
    BENEFIT_EXPIRED = "benefit_expired", _("Benefit expired")
    REFERRAL_CANCELLED = "referral_cancelled", _("Referral cancelled, back to the general list")

    @classmethod
    def of_leaving(cls, reason: "LeaveReason") -> "QueueEventCause":
        """The cause recorded when an entry leaves for ``reason``: the same words, one vocabulary."""
        return cls(str(reason))


class AreaLevel(models.TextChoices):
    """The three steps of the front page's map, each with its own row of figures (``summary``)."""

    REGION = "region", _("region")
    DISTRICT = "district", _("district")
    SETTLEMENT = "settlement", _("settlement")
