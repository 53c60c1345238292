from django.db import models
from django.utils.translation import gettext_lazy as _

from queues.choices import BenefitClass


class Channel(models.TextChoices):
    """How an application reached us (RULES.md section 1)."""

    PORTAL = "portal", _("Portal")
    EDUCATION_DEPARTMENT = "education_department", _("Education department")
    GOV_CORP = "gov_corp", _("Service centre (Government for Citizens)")
    API = "api", _("Integration (API)")


class Relation(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    GUARDIAN = "guardian", _("Guardian")
    OTHER_REPRESENTATIVE = "other", _("Other legal representative")


class Status(models.TextChoices):
    """Where an application is in its life (RULES.md section 6; docs/state-machines.md draws the moves)."""

    IN_QUEUE = "in_queue", _("In queue")
    ACCESS_OPEN = "access_open", _("Access to a referral open")
    REFERRAL_ISSUED = "referral_issued", _("Referral issued")
    AWAITING_BENEFIT_CONFIRMATION = "awaiting_confirmation", _("Referral awaiting benefit confirmation")
    STOP_LIST = "stop_list", _("On the stop-list after an unused referral")
    ENROLLED = "enrolled", _("Enrolled")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    AGED_OUT = "aged_out", _("Left the queue by age")
    DUPLICATE = "duplicate", _("Duplicate")


#: Statuses of an application that is still alive: a child holds at most one of these.
ACTIVE_STATUSES = (
    Status.IN_QUEUE,
    Status.ACCESS_OPEN,
    Status.REFERRAL_ISSUED,
    Status.AWAITING_BENEFIT_CONFIRMATION,
    Status.STOP_LIST,
)


class BenefitCategory(models.TextChoices):
    """The benefits of RULES.md section 3; each gives one class, once confirmed."""

    SERVICEMAN = "serviceman", _("Child of a serviceman")
    SPECIAL_STATE_BODY = "special_state_body", _("Child of an employee of a special state body")
    TEACHER = "teacher", _("Child of a teacher")
    DISABLED_PARENT = "disabled_parent", _("Legal representative with a disability")
    ORPHAN = "orphan", _("Orphan or child left without parental care")
    LARGE_FAMILY = "large_family", _("Child of a large family")
    SPECIAL_NEEDS = "special_needs", _("Child with special educational needs (PMPK conclusion)")
    DISABLED_CHILD_FAMILY = "disabled_child_family", _("Family raising a child with a disability")

    @property
    def benefit_class(self) -> BenefitClass:
        return BENEFIT_CLASS_OF_CATEGORY[self]

    @property
    def needs_employer_certificate(self) -> bool:
        """Out-of-turn benefits rest on an employer certificate, valid one month from issue (RULES.md 6)."""
        return self.benefit_class == BenefitClass.OUT_OF_TURN


BENEFIT_CLASS_OF_CATEGORY = {
    BenefitCategory.SERVICEMAN: BenefitClass.OUT_OF_TURN,
    BenefitCategory.SPECIAL_STATE_BODY: BenefitClass.OUT_OF_TURN,
    BenefitCategory.TEACHER: BenefitClass.OUT_OF_TURN,
    BenefitCategory.DISABLED_PARENT: BenefitClass.FIRST_TURN,
    BenefitCategory.ORPHAN: BenefitClass.FIRST_TURN,
    BenefitCategory.LARGE_FAMILY: BenefitClass.FIRST_TURN,
    BenefitCategory.SPECIAL_NEEDS: BenefitClass.FIRST_TURN,
    BenefitCategory.DISABLED_CHILD_FAMILY: BenefitClass.FIRST_TURN,
}


class Verification(models.TextChoices):
    PENDING = "pending", _("Awaiting verification")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class RegisterCheck(models.TextChoices):
    """What the person register said of a child on a parent's list (issue 18)."""

    NOT_ASKED = "", _("Added before the register check")
    CONFIRMED = "confirmed", _("Confirmed by the person register")
    AWAITING = "awaiting", _("Awaiting the person register's check")
    REFUSED = "refused", _("Not confirmed by the person register")
    #: Of an application entered at the desk: the register's record differs from the paper (recorded,
    #: the specialist decides on the documents).
    DIFFERS = "differs", _("Differs from the person register")
