"""Children, their applications and the benefit documents behind an application's class."""

import os
import pathlib
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.dates import format_datetime
from core.iin import Sex, validate_iin
from core.scoping import RestrictedQuerySet
from directory.choices import GroupLanguage, KindergartenKind

from .choices import ACTIVE_STATUSES, BenefitCategory, Channel, RegisterCheck, Relation, Status, Verification

MAX_PREFERRED_KINDERGARTENS = 4


class Child(models.Model):
    iin = models.CharField(_("IIN"), max_length=12, unique=True, validators=[validate_iin])
    surname = models.CharField(_("surname"), max_length=100)
    name = models.CharField(_("name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)

    objects = RestrictedQuerySet.as_manager()
    scope_path = "applications__settlement__district"

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.name, self.patronymic) if part)


class ApplicationQuerySet(RestrictedQuerySet):
    def active(self) -> "ApplicationQuerySet":
        return self.filter(status__in=ACTIVE_STATUSES)


class Application(models.Model):
    """One child's request for a kindergarten place (RULES.md section 6).

    ``submitted_at`` decides the order and never changes after registration; for
    a paper application it is the time the department received it, entered by
    the specialist, while ``registered_at`` is when it reached the system.
    """

    number = models.CharField(_("application number"), max_length=10, unique=True, editable=False)
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, related_name="applications", verbose_name=_("child")
    )
    applicant = models.ForeignKey(
        "accounts.Applicant",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("applicant"),
    )
    relation = models.CharField(_("relation to the child"), max_length=16, choices=Relation.choices)
    # No index of its own: ``application_settlement_status`` starts with it. Every index is written again
    # when a status changes (opening access, a take), so a redundant one costs bulletin day (issue 11).
    settlement = models.ForeignKey(
        "directory.Settlement",
        on_delete=models.PROTECT,
        related_name="applications",
        db_index=False,
        verbose_name=_("settlement"),
    )
    wants_special = models.BooleanField(_("special queue"), default=False)
    wants_sanatorium = models.BooleanField(_("sanatorium queue"), default=False)
    preferred_language = models.CharField(
        _("preferred group language"), max_length=8, choices=GroupLanguage.choices
    )
    preferred_kindergartens = models.ManyToManyField(
        "directory.Kindergarten", blank=True, related_name="+", verbose_name=_("preferred kindergartens")
    )
    channel = models.CharField(_("channel"), max_length=32, choices=Channel.choices)
    submitted_at = models.DateTimeField(_("submitted"))
    registered_at = models.DateTimeField(_("registered"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    status = models.CharField(_("status"), max_length=32, choices=Status.choices, default=Status.IN_QUEUE)
    status_reason = models.TextField(_("reason"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed"))
    #: What the person register said of the child when the application came in on paper or through the
    #: integration API (issue 18; ``register_checks``). A portal application's child was checked when the
    #: parent added it (``Guardianship.register_check``).
    register_check = models.CharField(
        _("person register check"), max_length=16, choices=RegisterCheck.choices, default="", blank=True
    )
    #: Where what the application says differs from the register: ``[{"field", "given", "register"}]``.
    register_differences = models.JSONField(
        _("differences from the person register"), default=list, blank=True
    )
    #: Whether a definite contradicting answer of a later check withdraws the application (the API, as
    #: the portal) or is only recorded for the specialist, who saw the papers (the desk).
    register_decides = models.BooleanField(_("the person register's answer decides"), default=False)

    objects = ApplicationQuerySet.as_manager()
    scope_path = "settlement__district"

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-registered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="application_one_active_per_child",
                violation_error_message=_("This child already has an active application."),
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__lte=F("registered_at")),
                name="application_submitted_not_after_registered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ACTIVE_STATUSES) | ~Q(status_reason=""),
                name="application_left_with_reason",
            ),
        ]
        indexes = [models.Index(fields=["settlement", "status"], name="application_settlement_status")]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        """The number grouped for reading aloud on the phone: 482-915-3307."""
        return f"{self.number[:3]}-{self.number[3:6]}-{self.number[6:]}"

    @property
    def queue_kinds(self) -> list[str]:
        """Every application stands in the general queue; special and sanatorium on request (RULES.md 2)."""
        kinds = [KindergartenKind.GENERAL]
        if self.wants_special:
            kinds.append(KindergartenKind.SPECIAL)
        if self.wants_sanatorium:
            kinds.append(KindergartenKind.SANATORIUM)
        return kinds

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class PrivateStorage(FileSystemStorage):
    """Benefit documents: outside the web root, no URL; a permission-checking view serves them.

    The location is read from ``PRIVATE_MEDIA_ROOT`` on every use rather than
    frozen when the model is imported, so a deployment or a test can move it.
    """

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        """No address leads to a document: a view that checks permissions serves it (downloads.py)."""
        raise ValueError("Benefit documents have no URL; serve them through applications.downloads.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()


def benefit_document_path(instance, filename: str) -> str:
    """A random name: the parent's file name never reaches the disk or a URL."""
    suffix = pathlib.Path(filename).suffix.lower()
    return f"benefits/{uuid.uuid4().hex}{suffix}"


class BenefitDocumentQuerySet(RestrictedQuerySet):
    def counting_on(self, day) -> "BenefitDocumentQuerySet":
        """Documents whose benefit counts on ``day``: confirmed and not expired (RULES.md section 3)."""
        return self.filter(verification=Verification.CONFIRMED).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )

    def expired_on(self, day) -> "BenefitDocumentQuerySet":
        """Confirmed documents that no longer count on ``day``: the complement of ``counting_on``."""
        return self.filter(verification=Verification.CONFIRMED, valid_until__lt=day)


class BenefitDocument(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="benefit_documents", verbose_name=_("application")
    )
    category = models.CharField(_("benefit"), max_length=32, choices=BenefitCategory.choices)
    file = models.FileField(
        _("file"), upload_to=benefit_document_path, storage=private_storage, max_length=200
    )
    content_type = models.CharField(_("content type"), max_length=64)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    verification = models.CharField(
        _("verification"), max_length=16, choices=Verification.choices, default=Verification.PENDING
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    file_purged_at = models.DateTimeField(
        _("file deleted"),
        null=True,
        blank=True,
        help_text=_("When the file was deleted under the retention rule; the record itself stays."),
    )

    objects = BenefitDocumentQuerySet.as_manager()
    scope_path = "application__settlement__district"

    class Meta:
        verbose_name = _("benefit document")
        verbose_name_plural = _("benefit documents")
        ordering = ["uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verification=Verification.PENDING, verified_at__isnull=True)
                | ~Q(verification=Verification.PENDING) & Q(verified_at__isnull=False),
                name="benefit_document_verified_when_decided",
            ),
            models.CheckConstraint(
                condition=~Q(verification=Verification.REJECTED) | ~Q(rejection_reason=""),
                name="benefit_document_rejected_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("issued_on")),
                name="benefit_document_valid_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(file_purged_at__isnull=True) & ~Q(file="")
                | Q(file_purged_at__isnull=False, file=""),
                name="benefit_document_file_or_purged",
            ),
        ]
        indexes = [
            models.Index(
                fields=["valid_until"],
                name="benefit_document_expiry",
                condition=Q(verification=Verification.CONFIRMED, valid_until__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} ({self.get_verification_display()})"

    @property
    def benefit_category(self) -> BenefitCategory:
        return BenefitCategory(self.category)


class Guardianship(models.Model):
    """A child on a parent's own list in the personal cabinet (issue 3, "Children").

    The list is what the parent may apply for; the ``Child`` record itself is
    shared, one per IIN, so a child added by two parents is still one child
    with at most one active application (RULES.md section 2).
    """

    applicant = models.ForeignKey(
        "accounts.Applicant",
        on_delete=models.PROTECT,
        related_name="guardianships",
        verbose_name=_("applicant"),
    )
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, related_name="guardianships", verbose_name=_("child")
    )
    added_at = models.DateTimeField(_("added"))
    #: Whether the person register named the parent the child's legal representative (issue 18).
    #: Awaiting: the register did not answer when the child was added; ``register_checks.recheck``
    #: asks again at ``register_next_check_at``, backing off after each ``register_attempts``.
    register_check = models.CharField(
        _("person register check"), max_length=16, choices=RegisterCheck.choices, default="", blank=True
    )
    register_attempts = models.PositiveSmallIntegerField(_("register requests without an answer"), default=0)
    register_next_check_at = models.DateTimeField(_("next register request"), null=True, blank=True)

    class Meta:
        verbose_name = _("child of an applicant")
        verbose_name_plural = _("children of applicants")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["applicant", "child"], name="guardianship_once_per_pair"),
        ]
        indexes = [
            models.Index(
                fields=["register_next_check_at"],
                name="guardianship_register_due",
                condition=Q(register_check=RegisterCheck.AWAITING),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} · {self.child}"


class MoveNotice(models.Model):
    """A parent told that an application's position moved (issue 12 item 4): at most one a week each.

    Written when the notice is enqueued, in the same transaction, so a notice is
    never sent twice and the week counts from it; ``moves`` are what it says, one
    per queue that moved at least the parent's threshold: ``{"kind", "before",
    "after"}`` (positions from ``queues.selectors``, never computed here).
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="move_notices", verbose_name=_("application")
    )
    since = models.DateTimeField(_("moves counted since"))
    sent_at = models.DateTimeField(_("sent"))
    moves = models.JSONField(_("moves"))

    class Meta:
        verbose_name = _("notice of a move")
        verbose_name_plural = _("notices of moves")
        indexes = [models.Index(fields=["application", "-sent_at"], name="move_notice_latest")]

    def __str__(self) -> str:
        return f"{self.application_id} {format_datetime(self.sent_at, seconds=True)}"


class EstimateNotice(models.Model):
    """A look at the bands of an application's wait estimates for a parent who asked (issue 12 item 4).

    ``bands`` are what the parent was last told, or first found, per queue kind:
    ``[first day, last day]`` of the middle half (ISO dates), or None when no range
    is given (``moves.band``). ``told`` False: a silent first look, the baseline
    taken when the parent asked, or a queue new to the application; True: a notice
    was enqueued in the same transaction, with ``changes`` (``{"kind", "before",
    "after"}``), and the week counts from it.
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="estimate_notices", verbose_name=_("application")
    )
    looked_at = models.DateTimeField(_("looked at"))
    bands = models.JSONField(_("bands"))
    changes = models.JSONField(_("changes"), default=list)
    told = models.BooleanField(_("told"), default=False)

    class Meta:
        verbose_name = _("notice of a changed estimate")
        verbose_name_plural = _("notices of changed estimates")
        indexes = [models.Index(fields=["application", "-looked_at"], name="estimate_notice_latest")]

    def __str__(self) -> str:
        return f"{self.application_id} {format_datetime(self.looked_at, seconds=True)}"
