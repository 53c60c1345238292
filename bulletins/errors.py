"""Domain errors of bulletins and access: each a broken rule of RULES.md section 5, with a message."""

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class NotKindergartenStaff(DomainError):
    """Only the staff of a kindergarten act for it (reporting places, withdrawing them, enrolment)."""

    code = "not_kindergarten_staff"

    def __init__(self):
        super().__init__(_("Only the staff of this kindergarten can do this."))


class BulletinPublished(DomainError):
    code = "bulletin_published"

    def __init__(self):
        super().__init__(
            _("A published bulletin can never be changed. To correct it, publish a new bulletin.")
        )


class BulletinNotPublished(DomainError):
    code = "bulletin_not_published"

    def __init__(self):
        super().__init__(_("This bulletin has not been published."))


class EmptyBulletin(DomainError):
    code = "bulletin_empty"

    def __init__(self):
        super().__init__(_("Add at least one place before publishing the bulletin."))


class AugustFreeze(DomainError):
    """RULES.md section 5: from 1 to 31 August groups move up a year."""

    code = "august_freeze"

    def __init__(self):
        super().__init__(
            _(
                "From 1 to 31 August groups move up a year: no bulletin is published and no referral "
                "is taken. Please come back in September."
            )
        )


class GroupOutsideDistrict(DomainError):
    code = "group_outside_district"

    def __init__(self):
        super().__init__(
            _("This group belongs to a kindergarten outside the bulletin's district."), field="group"
        )


class ReportAlreadyDecided(DomainError):
    code = "report_already_decided"

    def __init__(self):
        super().__init__(_("This report has already been included in a bulletin or declined."))


class NothingToWithdraw(DomainError):
    code = "nothing_to_withdraw"

    def __init__(self):
        super().__init__(
            _("Only places nobody has taken can be withdrawn, and this bulletin has no more of them."),
            field="places",
        )


class ReportNotIncluded(DomainError):
    code = "report_not_included"

    def __init__(self):
        super().__init__(_("This report is not in a bulletin, so there is nothing to take back."))
