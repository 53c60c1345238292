"""Referrals to a kindergarten place, enrolment, and the stop-list after an unused referral (RULES.md 5)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.dates import end_of, format_date, last_day
from core.scoping import RestrictedQuerySet

from .choices import ACTIVE_REFERRAL_STATUSES, ReferralStatus

#: A referral ended by anything but enrolment says why.
ENDED_WITH_REASON = (ReferralStatus.ANNULLED, ReferralStatus.CANCELLED, ReferralStatus.DECLINED)


class Referral(models.Model):
    """A child's referral to a place of a bulletin; at most one active per child and per application.

    ``valid_until`` is the last day of validity (5 working days after the issue
    day); the parent may extend it once, to ``extended_until``, at most 30
    calendar days after the issue day. Validity ends at midnight Asia/Almaty
    after the last day. ``verification_code`` is what the public check (the QR
    code on the printed referral) asks for: random, never derived from the number.
    """

    number = models.CharField(_("referral number"), max_length=10, unique=True, editable=False)
    verification_code = models.CharField(_("verification code"), max_length=16, unique=True, editable=False)
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("application"),
    )
    child = models.ForeignKey(
        "applications.Child", on_delete=models.PROTECT, related_name="referrals", verbose_name=_("child")
    )
    place = models.ForeignKey(
        "bulletins.BulletinPlace", on_delete=models.PROTECT, related_name="referrals", verbose_name=_("place")
    )
    group = models.ForeignKey(
        "directory.Group", on_delete=models.PROTECT, related_name="referrals", verbose_name=_("group")
    )
    kindergarten = models.ForeignKey(
        "directory.Kindergarten",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("kindergarten"),
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("taken by")
    )
    out_of_turn = models.BooleanField(
        _("taken with an out-of-turn benefit"),
        default=False,
        help_text=_("Such a referral waits for the department to confirm a fresh employer certificate."),
    )
    issued_at = models.DateTimeField(_("issued"))
    valid_until = models.DateField(_("valid through"))
    extended_until = models.DateField(_("extended through"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=32, choices=ReferralStatus.choices)
    status_changed_at = models.DateTimeField(_("status changed"))
    reason = models.TextField(_("reason"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path = "kindergarten__settlement__district"

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(status__in=ACTIVE_REFERRAL_STATUSES),
                name="referral_one_active_per_child",
                violation_error_message=_("This child already holds a referral."),
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=ACTIVE_REFERRAL_STATUSES),
                name="referral_one_active_per_application",
                violation_error_message=_("This application already holds a referral."),
            ),
            models.CheckConstraint(
                condition=Q(extended_until__isnull=True) | Q(extended_until__gt=F("valid_until")),
                name="referral_extension_later",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=ENDED_WITH_REASON) | ~Q(reason=""),
                name="referral_ended_with_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["valid_until"],
                name="referral_active_validity",
                condition=Q(status__in=ACTIVE_REFERRAL_STATUSES),
            ),
            models.Index(fields=["kindergarten", "status"], name="referral_kindergarten_status"),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        """The number grouped for reading aloud: 26-1234567-8 (year of issue, serial, check digit)."""
        return f"{self.number[:2]}-{self.number[2:9]}-{self.number[9:]}"

    @property
    def valid_through(self):
        """The last day of validity, extension included."""
        return self.extended_until or self.valid_until

    @property
    def expires_at(self):
        """The moment validity ends: midnight Asia/Almaty after the last day."""
        return end_of(self.valid_through)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_REFERRAL_STATUSES


class Enrolment(models.Model):
    """The kindergarten registered the child on its referral; only this takes the child out of its queues."""

    referral = models.OneToOneField(
        Referral, on_delete=models.PROTECT, related_name="enrolment", verbose_name=_("referral")
    )
    enrolled_at = models.DateTimeField(_("enrolled"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )

    objects = RestrictedQuerySet.as_manager()
    scope_path = "referral__kindergarten__settlement__district"

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-enrolled_at"]

    def __str__(self) -> str:
        return str(self.referral)


class StopListEntry(models.Model):
    """An application on the stop-list after an annulled referral: counted in positions, offered nothing."""

    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="stop_list_entries",
        verbose_name=_("application"),
    )
    referral = models.OneToOneField(
        Referral, on_delete=models.PROTECT, related_name="stop_list_entry", verbose_name=_("referral")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path = "application__settlement__district"

    class Meta:
        verbose_name = _("stop-list entry")
        verbose_name_plural = _("stop-list entries")
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(lifted_at__isnull=True), name="stop_list_one_current"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="stop_list_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(
                fields=["ends_at"], name="stop_list_current_ends", condition=Q(lifted_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {format_date(last_day(self.ends_at))}"
