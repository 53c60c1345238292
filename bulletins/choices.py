from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportState(models.TextChoices):
    """Where a kindergarten's report of free places is on its way into a bulletin."""

    PENDING = "pending", _("Awaiting review")
    INCLUDED = "included", _("Included in a bulletin")
    DECLINED = "declined", _("Declined")


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class AccessStatus(models.TextChoices):
    """An applicant's priority access to one bulletin's places in one queue (RULES.md section 5)."""

    OPEN = "open", _("Open")
    USED = "used", _("Used for a referral")
    ENDED = "ended", _("Ended")
