"""Queues and the standing of each application in them (RULES.md sections 2 and 3)."""

import secrets

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.scoping import RestrictedQuerySet
from directory.choices import KindergartenKind

from .choices import AreaLevel, BenefitClass, LeaveReason, QueueEventCause


def new_version() -> int:
    """A random positive 63-bit version: unlike a counter, never reused by a commit after a rollback."""
    return secrets.randbits(63) or 1


class Queue(models.Model):
    """Settlement x birth year x kind. Created on first use, never deleted.

    ``version`` changes, to a new random value, in the transaction of every change to the queue's
    standing (``services``); the copy of the order in Redis is trusted only at the same version
    (``ranks``).
    """

    settlement = models.ForeignKey(
        "directory.Settlement", on_delete=models.PROTECT, related_name="queues", verbose_name=_("settlement")
    )
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    kind = models.CharField(_("kind"), max_length=16, choices=KindergartenKind.choices)
    version = models.BigIntegerField(_("version"), default=new_version, editable=False)

    objects = RestrictedQuerySet.as_manager()
    scope_path = "settlement__district"

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["settlement", "birth_year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "birth_year", "kind"], name="queue_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.settlement} · {self.birth_year} · {self.get_kind_display()}"


class QueueEntryQuerySet(RestrictedQuerySet):
    def standing(self) -> "QueueEntryQuerySet":
        """Entries that count in positions: all but those that left the queue."""
        return self.filter(left_at__isnull=True)


class QueueEntry(models.Model):
    """An application's standing in one queue: exactly what the order needs, and nothing more.

    The order uses only ``benefit_class``, ``submitted_at`` and, for equal
    times, the registration order, which is the application's id (ids are
    handed out in the order applications are registered). Names and documents
    stay in ``applications``, so the ordering code never needs them.
    ``benefit_class`` is kept by the services that confirm, reject or expire a
    benefit, with ``benefit_until``, the last day (Asia/Almaty) that class
    counts, null while it has no end: from the next day the entry is due to be
    moved, which every reader applies before answering (``selectors``), so a
    position is exact at every moment, not only after the nightly job.
    ``left_at`` is set when the application stops counting (withdrawn,
    enrolled, aged out). A child holding a referral or on the stop-list still counts.
    """

    queue = models.ForeignKey(
        Queue, on_delete=models.PROTECT, related_name="entries", verbose_name=_("queue")
    )
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="queue_entries",
        verbose_name=_("application"),
    )
    benefit_class = models.PositiveSmallIntegerField(_("class"), choices=BenefitClass.choices)
    benefit_until = models.DateField(_("class counts until"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"))
    joined_at = models.DateTimeField(_("joined"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    left_reason = models.CharField(
        _("reason for leaving"), max_length=32, choices=LeaveReason.choices, blank=True
    )

    objects = QueueEntryQuerySet.as_manager()
    scope_path = "queue__settlement__district"

    class Meta:
        verbose_name = _("queue entry")
        verbose_name_plural = _("queue entries")
        constraints = [
            models.UniqueConstraint(fields=["queue", "application"], name="queue_entry_once_per_queue"),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True, left_reason="")
                | Q(left_at__isnull=False) & ~Q(left_reason=""),
                name="queue_entry_left_with_reason",
            ),
            models.CheckConstraint(condition=Q(benefit_class__in=[1, 2, 3]), name="queue_entry_class_known"),
            models.CheckConstraint(
                condition=Q(benefit_until__isnull=True) | ~Q(benefit_class=BenefitClass.GENERAL),
                name="queue_entry_general_has_no_end",
            ),
        ]
        indexes = [
            # The order inside a class: every rank and page is a range scan of this index.
            models.Index(
                fields=["queue", "benefit_class", "submitted_at", "application"],
                name="queue_entry_order",
                condition=Q(left_at__isnull=True),
            ),
            # Whether a queue holds an entry whose class has stopped counting: one probe per read.
            models.Index(
                fields=["queue", "benefit_until"],
                name="queue_entry_benefit_until",
                condition=Q(left_at__isnull=True, benefit_until__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.queue}: {self.application_id}"

    @property
    def is_standing(self) -> bool:
        return self.left_at is None


class QueueChange(models.Model):
    """One member's move in one committed change of a queue's standing: the pending-change log.

    Written by ``services`` in the transaction that gives the queue its new
    ``version``, one row per entry that joined, left or changed class. The Redis
    copy of the order (``ranks``) follows each change after its commit, and may
    lag by a few changes (a storm of enrolments, two commits whose after-commit
    updates cross). With the log, a reader that finds Redis behind PostgreSQL
    corrects Redis's ranks by the changes in between instead of counting the
    queue, and Redis catches up by replaying them instead of a rebuild
    (docs/architecture.md, "Read path"). Rows older than a day serve nobody and
    are purged (``tasks.purge_queue_changes``).
    """

    ABSENT = 0  #: the class of a member before it joined or after it left

    queue = models.ForeignKey(
        Queue, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("queue")
    )
    previous_version = models.BigIntegerField(_("version before"))
    version = models.BigIntegerField(_("version after"))
    application_id = models.BigIntegerField(_("application"))
    old_class = models.PositiveSmallIntegerField(_("class before"))
    new_class = models.PositiveSmallIntegerField(_("class after"))
    submitted_at = models.DateTimeField(_("submitted"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("queue change")
        verbose_name_plural = _("queue changes")
        indexes = [
            # A reader walks one queue's latest changes back from PostgreSQL's version to Redis's.
            models.Index(fields=["queue", "-id"], name="queue_change_latest"),
            models.Index(fields=["at"], name="queue_change_at"),
        ]

    def __str__(self) -> str:
        return f"{self.queue_id}: {self.application_id} {self.old_class}->{self.new_class}"


class AreaSummary(models.Model):
    """The front page's figures for one region, district or settlement, as of ``computed_at``.

    Derived data, rebuilt as a whole by ``summary.refresh`` (a periodic task), so
    that no public page ever counts queue entries. ``area_id`` is the id of the
    region, district or settlement that ``level`` names: one key for three
    tables, so one upsert refreshes every level (a foreign key could not point
    at three tables).
    """

    level = models.CharField(_("level"), max_length=16, choices=AreaLevel.choices)
    area_id = models.BigIntegerField(_("area"))
    children_waiting = models.PositiveIntegerField(_("children waiting"))
    kindergartens = models.PositiveIntegerField(_("kindergartens"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("area summary")
        verbose_name_plural = _("area summaries")
        constraints = [
            models.UniqueConstraint(fields=["level", "area_id"], name="area_summary_once_per_area"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.area_id}: {self.children_waiting}"


class QueueEventKind(models.TextChoices):
    """What a ``QueueEvent`` did to its entry, read from its classes before and after."""

    ENTERED = "entered"
    LEFT = "left"
    CLASS_CHANGED = "class_changed"


class QueueEvent(models.Model):
    """One entry's change in one queue, kept: what a position history is replayed from (issue 12).

    Written by ``services`` in the same transaction, and for the same members, as
    ``QueueChange``; unlike that log (the Redis copy's, purged within a day)
    these rows are kept: no job deletes them, and a history reaches back a
    year and more. One row per entry that joined, left or changed class,
    never one per entry behind it: where the
    others stand follows from the order key (``submitted_at``, application id)
    and the classes, by the arithmetic of ``ordering`` (``history``).
    """

    ABSENT = QueueChange.ABSENT

    queue = models.ForeignKey(
        Queue, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("queue")
    )
    application_id = models.BigIntegerField(_("application"))
    cause = models.CharField(_("cause"), max_length=32, choices=QueueEventCause.choices)
    old_class = models.PositiveSmallIntegerField(_("class before"))
    new_class = models.PositiveSmallIntegerField(_("class after"))
    submitted_at = models.DateTimeField(_("submitted"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("queue event")
        verbose_name_plural = _("queue events")
        indexes = [
            # One application's history reads its queue's events since it joined: one range scan.
            models.Index(fields=["queue", "at"], name="queue_event_since"),
            # ... up to the queue's last event its starting count had seen: one probe.
            models.Index(fields=["queue", "-id"], name="queue_event_latest"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(old_class=F("new_class")), name="queue_event_changes"),
        ]

    def __str__(self) -> str:
        return f"{self.queue_id}: {self.application_id} {self.old_class}->{self.new_class} ({self.cause})"

    @property
    def kind(self) -> str:
        if self.old_class == self.ABSENT:
            return QueueEventKind.ENTERED
        if self.new_class == self.ABSENT:
            return QueueEventKind.LEFT
        return QueueEventKind.CLASS_CHANGED
