"""Domain errors of referrals and enrolment: each a broken rule of RULES.md section 5, with a message."""

from django.utils.translation import gettext_lazy as _

from core.dates import format_date, last_day
from core.errors import DomainError


class PlaceAlreadyTaken(DomainError):
    """The loser of the race for a place (or a place with nothing left): nothing was given."""

    code = "place_already_taken"

    def __init__(self):
        super().__init__(_("This place has just been taken. Choose another place or try again later."))


class OnlyTheParent(DomainError):
    """RULES.md sections 1 and 8: nobody but the parent who owns the application acts on its referral."""

    code = "only_the_parent"

    def __init__(self):
        super().__init__(
            _(
                "Only the parent or legal representative who owns the application can do this, in "
                "their personal cabinet. Nobody can get or extend a referral on their behalf."
            )
        )


class ReferralAlreadyHeld(DomainError):
    code = "referral_already_held"

    def __init__(self):
        super().__init__(_("This child already holds a referral: a child can hold only one at a time."))


class OnStopList(DomainError):
    code = "on_stop_list"

    def __init__(self, *, ends_at=None):
        if ends_at is None:
            message = _("After an unused referral the application is on the stop-list for a while.")
        else:
            message = _(
                "After an unused referral the application is on the stop-list through %(date)s: it keeps "
                "its position, but cannot take a place until then."
            ) % {"date": format_date(last_day(ends_at))}
        super().__init__(message)


class NoAccess(DomainError):
    """Inside the priority window, only applicants with access may take a place."""

    code = "no_access"

    def __init__(self, *, priority_until):
        super().__init__(
            _(
                "Through %(date)s the places of this bulletin are offered first to the applicants at the "
                "head of the queue. After that, anyone in the queue may take a place that is still free."
            )
            % {"date": format_date(last_day(priority_until))}
        )


class NotInThisQueue(DomainError):
    code = "not_in_this_queue"

    def __init__(self):
        super().__init__(
            _("This place is for another queue: the child does not stand in the queue of this group.")
        )


class AgeDoesNotFit(DomainError):
    code = "age_does_not_fit"


class CannotTakeReferral(DomainError):
    """The application is not waiting in a queue (withdrawn, enrolled, aged out...)."""

    code = "cannot_take_referral"

    def __init__(self):
        super().__init__(_("Only an application waiting in the queue can get a referral."))


class ReferralNotActive(DomainError):
    code = "referral_not_active"

    def __init__(self, message=None):
        super().__init__(message or _("This referral is no longer valid."))


class ReferralExpired(DomainError):
    code = "referral_expired"

    def __init__(self):
        super().__init__(_("This referral's validity has ended."))


class AlreadyExtended(DomainError):
    code = "referral_already_extended"

    def __init__(self):
        super().__init__(_("A referral can be extended only once, and this one has been extended already."))


class NoFreshCertificate(DomainError):
    code = "no_fresh_certificate"

    def __init__(self):
        super().__init__(
            _(
                "Confirm a fresh employer certificate first: an out-of-turn benefit document issued within "
                "the last month."
            )
        )
