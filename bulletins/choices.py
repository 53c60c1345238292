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


class OpeningKind(models.TextChoices):
    """What opened places in a queue, as the public log of openings names it (issue 13)."""

    PUBLISHED = "published", _("Bulletin published: priority access opened")
    OPEN_TO_ALL = "open_to_all", _("Priority window over: free places open to everyone in the queue")
    RETURNED = "returned", _("A place returned to the bulletin")
    #: An application withdrawn while it held access: no place came back (none was taken), the turn did.
    ACCESS_PASSED_ON = (
        "access_passed_on",
        _("Access given up by a withdrawn application: passed to the next in line"),
    )


#: The entries that may come many times for one bulletin and queue, each one more access due in the window.
PASSED_ON_KINDS = (OpeningKind.RETURNED, OpeningKind.ACCESS_PASSED_ON)
