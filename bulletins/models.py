"""Vacancy bulletins, their places, and the priority access they open (RULES.md section 5).

A place's counters say everything about it: ``places`` were published,
``taken`` went to referrals, ``withdrawn`` were taken back by the kindergarten,
``released`` came back from annulled referrals for the next bulletin. What is
free in this bulletin is ``places - taken - withdrawn``; the database refuses
any write that would make it negative, so no place is ever given twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.scoping import RestrictedQuerySet

from .choices import PASSED_ON_KINDS, AccessStatus, BulletinStatus, OpeningKind, ReportState


class VacancyReport(models.Model):
    """Free places a kindergarten reports in one of its groups, or one released by an annulled referral."""

    group = models.ForeignKey(
        "directory.Group", on_delete=models.PROTECT, related_name="vacancy_reports", verbose_name=_("group")
    )
    places = models.PositiveSmallIntegerField(_("places"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reported by"),
        help_text=_("Empty when the place came back from an annulled referral."),
    )
    reported_at = models.DateTimeField(_("reported"))
    released_from = models.ForeignKey(
        "bulletins.BulletinPlace",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("released from"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=ReportState.choices, default=ReportState.PENDING
    )
    bulletin = models.ForeignKey(
        "bulletins.Bulletin",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("bulletin"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path = "group__kindergarten__settlement__district"

    class Meta:
        verbose_name = _("vacancy report")
        verbose_name_plural = _("vacancy reports")
        ordering = ["-reported_at"]
        constraints = [
            models.CheckConstraint(condition=Q(places__gte=1), name="vacancy_report_places_positive"),
            models.CheckConstraint(
                condition=Q(state=ReportState.INCLUDED, bulletin__isnull=False)
                | ~Q(state=ReportState.INCLUDED) & Q(bulletin__isnull=True),
                name="vacancy_report_included_in_a_bulletin",
            ),
            models.CheckConstraint(
                condition=~Q(state=ReportState.DECLINED) | ~Q(decline_reason=""),
                name="vacancy_report_declined_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.places}"


class Bulletin(models.Model):
    """A district's list of free places; once published, never edited (a correction is a new bulletin)."""

    district = models.ForeignKey(
        "directory.District", on_delete=models.PROTECT, related_name="bulletins", verbose_name=_("district")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    priority_until = models.DateTimeField(
        _("priority window ends"),
        null=True,
        blank=True,
        help_text=_(
            "Until then only applicants with access may take a place; after it, anyone in the queue."
        ),
    )

    objects = RestrictedQuerySet.as_manager()
    scope_path = "district"

    class Meta:
        verbose_name = _("vacancy bulletin")
        verbose_name_plural = _("vacancy bulletins")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status=BulletinStatus.DRAFT,
                    published_at__isnull=True,
                    published_by__isnull=True,
                    priority_until__isnull=True,
                )
                | Q(
                    status=BulletinStatus.PUBLISHED,
                    published_at__isnull=False,
                    published_by__isnull=False,
                    priority_until__gt=F("published_at"),
                ),
                name="bulletin_published_with_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Bulletin')} {self.pk} · {self.district}"

    @property
    def is_published(self) -> bool:
        return self.status == BulletinStatus.PUBLISHED


class BulletinPlace(models.Model):
    """Places of one group in one bulletin, in the queue of the group's settlement × birth year × kind."""

    bulletin = models.ForeignKey(
        Bulletin, on_delete=models.PROTECT, related_name="places", verbose_name=_("bulletin")
    )
    group = models.ForeignKey(
        "directory.Group", on_delete=models.PROTECT, related_name="bulletin_places", verbose_name=_("group")
    )
    queue = models.ForeignKey(
        "queues.Queue", on_delete=models.PROTECT, related_name="bulletin_places", verbose_name=_("queue")
    )
    places = models.IntegerField(_("places"))
    taken = models.IntegerField(_("taken"), default=0)
    withdrawn = models.IntegerField(_("withdrawn"), default=0)
    released = models.IntegerField(
        _("released for the next bulletin"),
        default=0,
        help_text=_("Places whose referral was annulled: they return in a later bulletin, not in this one."),
    )

    objects = RestrictedQuerySet.as_manager()
    scope_path = "bulletin__district"

    class Meta:
        verbose_name = _("bulletin place")
        verbose_name_plural = _("bulletin places")
        ordering = ["bulletin", "group"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "group"], name="bulletin_place_group_once"),
            models.CheckConstraint(condition=Q(places__gte=1), name="bulletin_place_places_positive"),
            models.CheckConstraint(condition=Q(taken__gte=0), name="bulletin_place_taken_not_negative"),
            models.CheckConstraint(
                condition=Q(withdrawn__gte=0), name="bulletin_place_withdrawn_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(taken__lte=F("places") - F("withdrawn")), name="bulletin_place_never_over_given"
            ),
            models.CheckConstraint(
                condition=Q(released__gte=0, released__lte=F("taken")),
                name="bulletin_place_released_from_taken",
            ),
        ]
        indexes = [models.Index(fields=["queue", "bulletin"], name="bulletin_place_queue")]

    def __str__(self) -> str:
        return f"{self.group}: {self.free} / {self.places}"

    @property
    def free(self) -> int:
        return self.places - self.taken - self.withdrawn

    @property
    def kindergarten(self):
        return self.group.kindergarten

    @property
    def language(self) -> str:
        return self.group.language


class Access(models.Model):
    """The right of one application to take a place of one bulletin in one queue in its priority window."""

    # The bulletin and the application have no index of their own: ``access_once_per_bulletin_and_queue``
    # and ``access_application_status`` start with them. Opening access writes 25,000 rows at once
    # (issue 11), each into every index.
    bulletin = models.ForeignKey(
        Bulletin,
        on_delete=models.PROTECT,
        related_name="accesses",
        db_index=False,
        verbose_name=_("bulletin"),
    )
    queue = models.ForeignKey(
        "queues.Queue", on_delete=models.PROTECT, related_name="accesses", verbose_name=_("queue")
    )
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="accesses",
        db_index=False,
        verbose_name=_("application"),
    )
    position = models.PositiveIntegerField(_("position when opened"))
    opened_at = models.DateTimeField(_("opened"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(
        _("status"), max_length=16, choices=AccessStatus.choices, default=AccessStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path = "queue__settlement__district"

    class Meta:
        verbose_name = _("access")
        verbose_name_plural = _("accesses")
        ordering = ["bulletin", "queue", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["bulletin", "queue", "application"], name="access_once_per_bulletin_and_queue"
            ),
            models.UniqueConstraint(
                fields=["queue", "application"],
                condition=Q(status=AccessStatus.OPEN),
                name="access_one_open_per_queue",
            ),
            models.CheckConstraint(
                condition=Q(status=AccessStatus.OPEN, closed_at__isnull=True)
                | ~Q(status=AccessStatus.OPEN) & Q(closed_at__isnull=False),
                name="access_closed_when_not_open",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("opened_at")), name="access_ends_after_opening"),
        ]
        indexes = [
            models.Index(fields=["ends_at"], name="access_open_ends", condition=Q(status=AccessStatus.OPEN)),
            models.Index(fields=["application", "status"], name="access_application_status"),
        ]

    def __str__(self) -> str:
        return f"{self.bulletin} · {self.queue}: {self.application_id}"


class Opening(models.Model):
    """One entry of the public, tamper-evident log of openings (issue 13; docs/open-data.md).

    Each time places open in a queue (a bulletin's publication, the end of its
    priority window, a place returned), one entry records the bulletin, the
    queue, the places and, at a publication, the application numbers given
    access in queue order with the positions they held. Entries form a chain:
    ``hash`` is the SHA-256 of the entry's canonical JSON (``openings.payload``),
    which holds ``previous``, the hash of the entry before it. Changing any
    stored entry breaks its own hash or the next entry's link, which
    ``manage.py verify_openings`` and anyone with the JSON feed can see. No
    child's or parent's data: application numbers only.
    """

    seq = models.PositiveBigIntegerField(_("number in the log"), unique=True)
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("what opened"), max_length=16, choices=OpeningKind.choices)
    bulletin = models.ForeignKey(
        Bulletin, on_delete=models.PROTECT, related_name="openings", verbose_name=_("bulletin")
    )
    queue = models.ForeignKey(
        "queues.Queue", on_delete=models.PROTECT, related_name="openings", verbose_name=_("queue")
    )
    places = models.PositiveIntegerField(_("places"))
    #: [[application number, position held], ...] in queue order; empty unless access was opened.
    accesses = models.JSONField(_("access given to"), default=list)
    previous = models.CharField(_("hash of the previous entry"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("opening")
        verbose_name_plural = _("openings")
        ordering = ["-seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["bulletin", "queue", "kind"],
                condition=~Q(kind__in=PASSED_ON_KINDS),
                name="opening_once_per_bulletin_queue_and_kind",
            ),
        ]

    def __str__(self):
        return f"#{self.seq}"
