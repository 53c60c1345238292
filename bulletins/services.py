"""Use cases of vacancy bulletins and priority access (RULES.md section 5).

Kindergarten staff report free places of their own kindergarten; a specialist
of the district puts them (or places of their own) into a draft bulletin and
publishes it. A published bulletin is never edited: its places cannot be added
or changed, only withdrawn while nobody took them; a correction is a new
bulletin. Publishing enqueues ``open_access`` after the commit, which gives the
first eligible applicants of every queue that gained places a priority window;
when the window ends, the places still free are open to every applicant of the
queue (``placements.services.take_referral`` reads ``priority_until``).

Each use case is one transaction with its audit record; ``open_access`` is one
transaction per batch of queues, set-based, and idempotent. The helpers at the end
(``claim_place``, ``return_place``, ``release_place``, ``close_accesses``)
are not use cases: ``placements`` calls them inside its own transactions, so
the counters of a place change in the same transaction as the referral.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.authorization import works_at
from accounts.choices import Action, Role
from applications.choices import Status
from applications.errors import OutOfScope
from applications.models import Application, Child
from applications.selectors import age_fit_sql, year_fits_sql
from applications.transitions import transition as transition_application
from audit.services import record, record_select
from audit.vocabulary import AuditAction
from core import clock
from core.dates import end_of, last_working_day_of_period
from core.inserts import insert_select, json_agg_sql, json_object_sql
from core.prepared import Prepared
from directory.models import District, Group, Kindergarten
from dispatch.services import enqueue, enqueue_select
from queues import bulk as queue_bulk
from queues import services as queue_services
from queues.models import Queue

from . import openings, public
from .choices import PASSED_ON_KINDS, AccessStatus, BulletinStatus, OpeningKind, ReportState
from .errors import (
    AugustFreeze,
    BulletinNotPublished,
    BulletinPublished,
    EmptyBulletin,
    GroupOutsideDistrict,
    NothingToWithdraw,
    NotKindergartenStaff,
    ReportAlreadyDecided,
    ReportNotIncluded,
)
from .models import Access, Bulletin, BulletinPlace, Opening, VacancyReport
from .transitions import close_open
from .transitions import transition as transition_access

# Queues whose accesses open in one transaction (settings.OPEN_ACCESS_BATCH_QUEUES).
OPEN_ACCESS_BATCH = settings.OPEN_ACCESS_BATCH_QUEUES
# Notices of opened accesses one message carries: 25,000 accesses are 250 messages for the broker, not 25,000
# (a message costs about a millisecond of a worker's time to hand over), and a worker sends them one by one.
NOTICES_PER_MESSAGE = 100
# Statuses of an application that may be offered access: not holding a referral, not on the stop-list.
MAY_GET_ACCESS = (Status.IN_QUEUE, Status.ACCESS_OPEN)


def in_august_freeze(now: datetime.datetime) -> bool:
    """Whether ``now`` falls in 1-31 August (Asia/Almaty), when groups move up a year (RULES.md section 5)."""
    return settings.AUGUST_FREEZE and timezone.localdate(now).month == 8


def priority_window_end(published_at: datetime.datetime) -> datetime.datetime:
    """Midnight Asia/Almaty after ``ACCESS_WINDOW_WORKING_DAYS`` working days counted from publication."""
    last_day = last_working_day_of_period(
        timezone.localdate(published_at), settings.ACCESS_WINDOW_WORKING_DAYS
    )
    return end_of(last_day)


# --- Reports and bulletins ---------------------------------------------------------


@transaction.atomic
def report_vacancy(
    *, group: Group, places: int, actor, now: datetime.datetime | None = None
) -> VacancyReport:
    """Kindergarten staff report free places in a group of their own kindergarten."""
    now = now or clock.now()
    ensure_kindergarten_staff(actor, group.kindergarten)
    _check_places(places, group)
    report = VacancyReport(group=group, places=places, reported_by=actor, reported_at=now)
    report.full_clean()
    report.save()
    record(
        action=AuditAction.VACANCY_REPORTED,
        target=report,
        actor=actor,
        at=now,
        details={"group": group.pk, "kindergarten": group.kindergarten_id, "places": places},
    )
    return report


@transaction.atomic
def decline_report(
    *, report: VacancyReport, actor, reason: str, now: datetime.datetime | None = None
) -> VacancyReport:
    """A specialist of the district declines a report, saying why (the kindergarten reads it)."""
    now = now or clock.now()
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is declined: the kindergarten will read it.")})
    report = _lock_report(report, actor)
    report.state = ReportState.DECLINED
    report.decline_reason = reason.strip()
    report.decided_by = actor
    report.decided_at = now
    report.save(update_fields=["state", "decline_reason", "decided_by", "decided_at"])
    record(
        action=AuditAction.VACANCY_DECLINED,
        target=report,
        actor=actor,
        at=now,
        details={"reason": reason.strip()},
    )
    return report


@transaction.atomic
def create_bulletin(*, district: District, actor, now: datetime.datetime | None = None) -> Bulletin:
    """A specialist of the district starts a draft bulletin."""
    now = now or clock.now()
    if not District.objects.restrict(actor, Action.CHANGE).filter(pk=district.pk).exists():
        raise OutOfScope()
    bulletin = Bulletin.objects.create(district=district, created_by=actor, created_at=now)
    record(
        action=AuditAction.BULLETIN_CREATED,
        target=bulletin,
        actor=actor,
        at=now,
        details={"district": district.pk},
    )
    return bulletin


@transaction.atomic
def add_place(
    *, bulletin: Bulletin, group: Group, places: int, actor, now: datetime.datetime | None = None
) -> BulletinPlace:
    """Add ``places`` of ``group`` to a draft bulletin (to the group's row, if it is there already)."""
    now = now or clock.now()
    bulletin = _lock_draft(bulletin, actor)
    place = _add_places(bulletin, group, places)
    record(
        action=AuditAction.BULLETIN_PLACE_ADDED,
        target=bulletin,
        actor=actor,
        at=now,
        details={"place": place.pk, "group": group.pk, "places": places},
    )
    return place


@transaction.atomic
def include_report(
    *, bulletin: Bulletin, report: VacancyReport, actor, now: datetime.datetime | None = None
) -> BulletinPlace:
    """Put the places of a pending report into a draft bulletin of the same district."""
    now = now or clock.now()
    bulletin = _lock_draft(bulletin, actor)
    report = _lock_report(report, actor)
    place = _add_places(bulletin, report.group, report.places)
    report.state = ReportState.INCLUDED
    report.bulletin = bulletin
    report.decided_by = actor
    report.decided_at = now
    report.save(update_fields=["state", "bulletin", "decided_by", "decided_at"])
    record(
        action=AuditAction.VACANCY_INCLUDED,
        target=report,
        actor=actor,
        at=now,
        details={"bulletin": bulletin.pk, "place": place.pk, "places": report.places},
    )
    return place


@transaction.atomic
def remove_place(*, place: BulletinPlace, actor, now: datetime.datetime | None = None) -> Bulletin:
    """Take a group's row of places out of a draft bulletin (a published one is never edited).

    The reports whose places went into that row go back to "awaiting review",
    to be included again or declined. Only a specialist of the bulletin's district.
    """
    now = now or clock.now()
    bulletin = _lock_draft(place.bulletin, actor)
    place = BulletinPlace.objects.select_for_update().get(pk=place.pk, bulletin=bulletin)
    reports = list(
        VacancyReport.objects.select_for_update()
        .filter(bulletin=bulletin, group_id=place.group_id, state=ReportState.INCLUDED)
        .order_by("pk")
    )
    for report in reports:
        _back_to_pending(report)
    place.delete()
    record(
        action=AuditAction.BULLETIN_PLACE_REMOVED,
        target=bulletin,
        actor=actor,
        at=now,
        details={
            "group": place.group_id,
            "places": place.places,
            "reports_back_to_review": [report.pk for report in reports],
        },
    )
    return bulletin


@transaction.atomic
def take_back_report(*, report: VacancyReport, actor, now: datetime.datetime | None = None) -> VacancyReport:
    """Take an included report's places back out of its draft bulletin; the report awaits review again.

    The group's row in the bulletin loses the report's places (and goes when
    none are left). Refused once the bulletin is published: its places are
    then the parents'. Only a specialist of the report's district.
    """
    now = now or clock.now()
    report = VacancyReport.objects.select_related("bulletin").get(pk=report.pk)
    if report.state != ReportState.INCLUDED:
        raise ReportNotIncluded()
    bulletin = _lock_draft(report.bulletin, actor)
    report = VacancyReport.objects.select_for_update().get(pk=report.pk)
    if report.state != ReportState.INCLUDED or report.bulletin_id != bulletin.pk:
        raise ReportNotIncluded()
    if not VacancyReport.objects.restrict(actor, Action.CHANGE).filter(pk=report.pk).exists():
        raise OutOfScope()
    place = BulletinPlace.objects.select_for_update().get(bulletin=bulletin, group_id=report.group_id)
    if place.places > report.places:
        place.places -= report.places
        place.save(update_fields=["places"])
    else:
        place.delete()
    _back_to_pending(report)
    record(
        action=AuditAction.VACANCY_TAKEN_BACK,
        target=report,
        actor=actor,
        at=now,
        details={"bulletin": bulletin.pk, "group": report.group_id, "places": report.places},
    )
    return report


def _back_to_pending(report: VacancyReport) -> None:
    report.state = ReportState.PENDING
    report.bulletin = None
    report.decided_by = None
    report.decided_at = None
    report.save(update_fields=["state", "bulletin", "decided_by", "decided_at"])


@transaction.atomic
def publish_bulletin(*, bulletin: Bulletin, actor, now: datetime.datetime | None = None) -> Bulletin:
    """Publish a draft bulletin; access opens in the background once the publication is committed.

    Refused during the August freeze. The priority window ends at midnight
    Asia/Almaty after ``ACCESS_WINDOW_WORKING_DAYS`` working days counted from
    the day after publication (RULES.md section 5).
    """
    now = now or clock.now()
    if in_august_freeze(now):
        raise AugustFreeze()
    bulletin = _lock_draft(bulletin, actor)
    if not bulletin.places.exists():
        raise EmptyBulletin()
    bulletin.status = BulletinStatus.PUBLISHED
    bulletin.published_at = now
    bulletin.published_by = actor
    bulletin.priority_until = priority_window_end(now)
    bulletin.save(update_fields=["status", "published_at", "published_by", "priority_until"])
    public.shown_changed(published=True)
    places = bulletin.places.aggregate(total=Sum("places"))["total"]
    record(
        action=AuditAction.BULLETIN_PUBLISHED,
        target=bulletin,
        actor=actor,
        at=now,
        details={"places": places, "priority_until": bulletin.priority_until.isoformat()},
    )
    enqueue("bulletins.tasks.open_access", bulletin.pk)
    return bulletin


@transaction.atomic
def withdraw_place(
    *, place: BulletinPlace, actor, places: int = 1, now: datetime.datetime | None = None
) -> BulletinPlace:
    """The kindergarten (or the district's specialist) takes back ``places`` nobody took (RULES.md 5).

    One conditional UPDATE: it succeeds only while at least ``places`` are
    still free, so a withdrawal can never take back a place a parent has just got.
    """
    now = now or clock.now()
    place = BulletinPlace.objects.select_related("bulletin", "group__kindergarten").get(pk=place.pk)
    _ensure_may_withdraw(actor, place)
    if not place.bulletin.is_published:
        raise BulletinNotPublished()
    if places < 1:
        raise ValidationError({"places": _("Withdraw at least one place.")})
    claimed = BulletinPlace.objects.filter(
        pk=place.pk, taken__lte=F("places") - F("withdrawn") - places
    ).update(withdrawn=F("withdrawn") + places)
    if not claimed:
        raise NothingToWithdraw()
    public.shown_changed()
    place.refresh_from_db()
    record(
        action=AuditAction.BULLETIN_PLACE_WITHDRAWN,
        target=place.bulletin,
        actor=actor,
        at=now,
        details={"place": place.pk, "group": place.group_id, "withdrawn": places},
    )
    return place


# --- Access ----------------------------------------------------------------------


def open_access(*, bulletin_id: int, now: datetime.datetime | None = None) -> int:
    """Open priority access in every queue that gained places, once however often it runs (RULES.md 5).

    In each queue, the first applicants in queue order (positioned in SQL by
    ``queues.bulk``, the closed form of ``queues.ordering``) who may take a
    place now get access, as many as the places the queue gained. Skipped:
    holders of a referral, the stop-listed, those already holding open access
    in that queue from another bulletin, and children whose age would not fit
    the group at the take (RULES.md sections 4 and 5). Returns how many
    accesses this run opened; ``open_access_of`` says how.
    """
    return open_access_of([bulletin_id], now=now)


def open_access_due(*, bulletin_id: int, now: datetime.datetime | None = None) -> int:
    """The task's opening: ``bulletin_id`` and every other bulletin whose access is still due, together.

    On bulletin morning every district's department publishes its own bulletin
    within minutes, each enqueueing its opening; the worker that takes the first
    one opens all those published by then in one set-based pass (a few
    statements per batch of queues, whatever the number of bulletins), and the
    tasks after it find nothing left, at the cost of one look-up. Returns how
    many accesses this run opened.
    """
    now = now or clock.now()
    if not _still_due.rows(bulletin_id=bulletin_id, now=now):
        return 0
    return open_access_of(_access_due(now=now), now=now)


def open_access_of(bulletin_ids: Iterable[int], *, now: datetime.datetime | None = None) -> int:
    """Open the access still due of the bulletins ``bulletin_ids``, all in one pass; how many it opened.

    One transaction, and a fixed number of statements, per batch of
    ``OPEN_ACCESS_BATCH`` (bulletin, queue) pairs, whatever the bulletins. The
    chosen applicants stay in a temporary table, from which every access, audit
    event and outbox row is written by INSERT ... SELECT; only the ids of the
    outbox rows come back, for their messages after the commit. A queue that
    gained places from two of the bulletins opens for the older first, in a
    later batch for the other, which then sees the first one's accesses.

    Idempotent: in each queue it counts the accesses each bulletin already
    opened there (whatever became of them) and opens only the rest, under a
    per-queue lock, so a second run, a concurrent run or a run after a crash
    half-way opens access to each applicant once. A bulletin whose window has
    already ended opens nothing: its places are open to everyone anyway.
    """
    now = now or clock.now()
    windows = dict(
        Bulletin.objects.filter(
            pk__in=set(bulletin_ids), status=BulletinStatus.PUBLISHED, priority_until__gt=now
        ).values_list("pk", "priority_until")
    )
    # A place returned in the window wants one access more (``_pass_on``): read with the places, in one query.
    returned = Subquery(
        _returned_in_window(OuterRef("bulletin_id"), OuterRef("bulletin__priority_until")).filter(
            queue_id=OuterRef("queue_id")
        )
    )
    gained = list(
        BulletinPlace.objects.filter(bulletin_id__in=windows)
        .values("bulletin_id", "queue_id")
        .annotate(total=Sum("places") + Coalesce(returned, 0))
        .order_by("bulletin_id", "queue_id")
        .values_list("bulletin_id", "queue_id", "total")
    )
    # The pick positions entries in bulk SQL: an expiry due since midnight must count first (RULES.md 3).
    queue_services.settle_expired({queue_id for _bulletin, queue_id, _total in gained}, now=now)
    return sum(
        _open_access_in_queues(batch, windows=windows, now=now)
        for pairs in _one_bulletin_per_queue(gained)
        for batch in _batches(pairs)
    )


def _access_due(*, now: datetime.datetime):
    """The published bulletins, still in their window, with a queue whose opening has not committed yet.

    An opening logs each of its queues (``openings.log_publication``) in the
    transaction that opens access there, so a queue not in the log is one whose
    opening has not run, or was lost half-way. Only bulletins in their window
    are looked at, a few days' worth.
    """
    logged = Opening.objects.filter(
        bulletin_id=OuterRef("bulletin_id"), queue_id=OuterRef("queue_id"), kind=OpeningKind.PUBLISHED
    )
    waiting = BulletinPlace.objects.filter(bulletin_id=OuterRef("pk")).exclude(Exists(logged))
    return (
        Bulletin.objects.filter(status=BulletinStatus.PUBLISHED, priority_until__gt=now)
        .filter(Exists(waiting))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# Whether one bulletin is still due: asked by each of bulletin morning's hundreds of tasks, most of which
# find nothing left, so it is compiled once a process.
_still_due = Prepared(
    lambda bulletin_id, now: _access_due(now=now).filter(pk=bulletin_id)[:1],
    bulletin_id=int,
    now=datetime.datetime,
)


def _one_bulletin_per_queue(gained: list[tuple[int, int, int]]) -> list[dict[tuple[int, int], int]]:
    """Split (bulletin, queue, places), in bulletin order, into rounds where each queue appears once.

    Two bulletins picking in one queue in the same statement would both pick
    its first eligible applicant: the later bulletin's round runs after the
    earlier one's has committed, and skips whom it gave access to.
    """
    rounds: list[dict[tuple[int, int], int]] = []
    seen: dict[int, int] = defaultdict(int)
    for bulletin_id, queue_id, places in gained:
        if seen[queue_id] == len(rounds):
            rounds.append({})
        rounds[seen[queue_id]][bulletin_id, queue_id] = places
        seen[queue_id] += 1
    return rounds


def _batches(pairs: dict[tuple[int, int], int]) -> list[dict[tuple[int, int], int]]:
    items = list(pairs.items())
    size = OPEN_ACCESS_BATCH
    return [dict(items[start : start + size]) for start in range(0, len(items), size)]


def end_priority_windows(*, now: datetime.datetime | None = None) -> int:
    """End the accesses whose window is over (a scheduled job; idempotent). Returns how many ended.

    The application goes back ``in_queue`` unless it still holds open access in
    another queue; its position is untouched (declining costs nothing). An open
    access of an application that left meanwhile (withdrawn, aged out) ends too.
    The places still free are then open to every applicant of the queue.
    """
    now = now or clock.now()
    log_windows_ended(now=now)
    due = (
        Access.objects.filter(status=AccessStatus.OPEN)
        .filter(Q(ends_at__lte=now) | ~Q(application__status=Status.ACCESS_OPEN))
        .order_by("pk")
        .values_list("pk", "application_id")
    )
    return sum(_end_access(access_id, application_id, now=now) for access_id, application_id in due)


def log_windows_ended(*, now: datetime.datetime) -> int:
    """Log, once, each queue whose bulletin's priority window is over with places still free (issue 13).

    From then on those places are open to everyone in the queue (RULES.md
    section 5); the public log of openings says so, with how many were free.
    Only windows ended in the last ``OPEN_TO_ALL_LOG_DAYS`` days are looked
    at, so the scheduled job's work does not grow with the years. Returns how
    many entries it added.
    """
    free = (
        BulletinPlace.objects.filter(
            bulletin__status=BulletinStatus.PUBLISHED,
            bulletin__priority_until__lte=now,
            bulletin__priority_until__gt=now - datetime.timedelta(days=settings.OPEN_TO_ALL_LOG_DAYS),
        )
        .exclude(
            Exists(
                Opening.objects.filter(
                    bulletin=OuterRef("bulletin"), queue=OuterRef("queue"), kind=OpeningKind.OPEN_TO_ALL
                )
            )
        )
        .values("bulletin_id", "queue_id")
        .annotate(free=Sum(F("places") - F("taken") - F("withdrawn")))
        .filter(free__gt=0)
        .order_by("bulletin__priority_until", "bulletin_id", "queue_id")
    )
    with transaction.atomic():
        added = openings.append(
            (
                openings.NewOpening(OpeningKind.OPEN_TO_ALL, row["bulletin_id"], row["queue_id"], row["free"])
                for row in free
            ),
            at=now,
        )
    return len(added)


# --- Helpers called by placements inside their own transactions ---------------------------


def claim_place(*, place_id: int) -> bool:
    """Take one free place with ONE conditional UPDATE; False when none is free.

    ``taken + withdrawn < places`` is re-checked by PostgreSQL on the locked row
    version, so of any number of concurrent claims for the last place exactly
    one gets it. The condition names only the row's own columns: a join or a
    subquery would be judged on a stale snapshot. The caller has checked that
    the bulletin is published (publication is never undone). The check
    constraints forbid over-giving even without this.
    """
    claimed = BulletinPlace.objects.filter(pk=place_id, taken__lt=F("places") - F("withdrawn")).update(
        taken=F("taken") + 1
    )
    if claimed:
        public.shown_changed()
    return claimed == 1


def return_place(*, place_id: int, now: datetime.datetime) -> None:
    """Give a taken place back to its bulletin, at once, and pass it on (RULES.md section 5).

    A referral cancelled, or declined by the parent, gives its place back here:
    while the bulletin's priority window runs, access opens to the next child
    in line in the place's queue; after it, the place is open to everyone.
    Either way the public log of openings says so.
    """
    returned = BulletinPlace.objects.filter(pk=place_id, taken__gt=F("released")).update(taken=F("taken") - 1)
    if returned != 1:
        raise RuntimeError(f"bulletin place {place_id} has no taken place to return")
    public.shown_changed()
    place = BulletinPlace.objects.select_related("bulletin").only("bulletin", "queue_id").get(pk=place_id)
    _pass_on(place.bulletin, place.queue_id, now=now)


def give_up_accesses(*, application: Application, actor=None, now: datetime.datetime) -> int:
    """End the open accesses of a withdrawn application; each one still in its window passes on.

    An application that leaves while it holds access gives its turn back at
    once (RULES.md section 5): the next child in line gets access for the rest
    of the window, as after a declined referral. No place was taken, so none
    comes back: the public log says the access was passed on, with no place.
    Call it with the application row locked (``applications.withdrawals``
    calls it so). Returns how many ended.
    """
    ended = 0
    for access in (
        Access.objects.select_for_update(of=("self",))
        .select_related("bulletin")
        .filter(application_id=application.pk, status=AccessStatus.OPEN)
        .order_by("pk")
    ):
        transition_access(access, AccessStatus.ENDED, now=now)
        access.save(update_fields=["status", "closed_at"])
        record(
            action=AuditAction.ACCESS_ENDED,
            target=application,
            actor=actor,
            at=now,
            details={"access": access.pk, "bulletin": access.bulletin_id, "queue": access.queue_id},
        )
        if now < access.ends_at:
            _pass_on(access.bulletin, access.queue_id, now=now, kind=OpeningKind.ACCESS_PASSED_ON)
        ended += 1
    return ended


def release_place(*, place_id: int, now: datetime.datetime) -> VacancyReport:
    """An annulled referral's place returns for the next bulletin, not this one (RULES.md section 5).

    The place stays taken here (``released`` + 1) and comes back as a pending
    vacancy report, which the district's specialist puts into the next bulletin.
    """
    released = BulletinPlace.objects.filter(pk=place_id, released__lt=F("taken")).update(
        released=F("released") + 1
    )
    if released != 1:
        raise RuntimeError(f"bulletin place {place_id} has no taken place to release")
    place = BulletinPlace.objects.get(pk=place_id)
    return VacancyReport.objects.create(
        group_id=place.group_id, places=1, reported_at=now, released_from=place
    )


def close_accesses(
    *, application_id: int, now: datetime.datetime, used_in: tuple[int, int] | None = None
) -> int:
    """End the application's open accesses; the one of ``used_in`` (bulletin id, queue id) becomes used.

    Taking a referral in one queue ends the child's access everywhere else
    (RULES.md section 5). Call it with the application row locked.
    """
    used = None if used_in is None else Q(bulletin_id=used_in[0], queue_id=used_in[1])
    return close_open(Access.objects.filter(application_id=application_id), used=used, now=now)


def ensure_kindergarten_staff(actor, kindergarten: Kindergarten) -> None:
    """Refuse anyone but active staff of ``kindergarten`` (``accounts.authorization.works_at``)."""
    if not works_at(actor, kindergarten):
        raise NotKindergartenStaff()


# --- The rules behind the use cases ----------------------------------------------------


def _pass_on(
    bulletin: Bulletin, queue_id: int, *, now: datetime.datetime, kind: str = OpeningKind.RETURNED
) -> None:
    """A place, or a turn, came back to ``bulletin`` in ``queue_id``: log it; in the window, the next child
    gets access.

    ``kind`` says which: ``RETURNED``, a taken place given back (a referral
    declined or cancelled), one place in the log; ``ACCESS_PASSED_ON``, an
    access given up with no place taken (its application withdrawn), no place.
    In the priority window the queue now wants one access more than its
    places and the turns passed on before (``_returned_in_window``), so the
    same idempotent opening as at publication picks the next child in line
    who may take it (the one who gave it up already had access of this
    bulletin there, so it is not picked again). The log's entry names whom
    access went to, or nobody when nobody in line could take it.
    """
    places_back = 1 if kind == OpeningKind.RETURNED else 0
    if not bulletin.is_published or now >= bulletin.priority_until:
        openings.append([openings.NewOpening(kind, bulletin.pk, queue_id, places_back)], at=now)
        return
    places = BulletinPlace.objects.filter(bulletin=bulletin, queue_id=queue_id).aggregate(total=Sum("places"))
    (returned,) = _returned_in_window(bulletin.pk, bulletin.priority_until).filter(queue_id=queue_id) or (0,)
    wanted = places["total"] + returned + 1
    windows = {bulletin.pk: bulletin.priority_until}
    _open_access_in_queues(
        {(bulletin.pk, queue_id): wanted},
        windows=windows,
        now=now,
        passed_on=openings.NewOpening(kind, bulletin.pk, queue_id, places_back),
    )


def _returned_in_window(bulletin_id, priority_until):
    """Places returned and accesses passed on in a bulletin's priority window, per queue, counted in the log.

    A query of counts grouped by queue: filter it by ``queue_id``. The bulletin's
    id and the end of its window are values, or ``OuterRef`` to a query of places.
    """
    return (
        Opening.objects.filter(bulletin_id=bulletin_id, kind__in=PASSED_ON_KINDS, at__lt=priority_until)
        .values("queue_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("n", flat=True)
    )


def _open_access_in_queues(
    gained: dict[tuple[int, int], int],
    *,
    windows: dict[int, datetime.datetime],
    now: datetime.datetime,
    passed_on: openings.NewOpening | None = None,
) -> int:
    """Open the accesses still due in a batch of (bulletin, queue) pairs, each queue once: one transaction,
    a fixed number of statements.

    The chosen applicants are written to a temporary table, never read into
    Python, and every row the opening writes comes from it by INSERT ... SELECT:
    the accesses, their audit events (one per access, one per queue and
    bulletin), and the outbox rows of the notices. ``windows``: the end of
    each bulletin's priority window, by id. ``passed_on``: the log's entry
    for one queue whose place or turn came back (``_pass_on``), logged with
    whom access went to rather than as a publication.
    """
    with transaction.atomic():
        _one_opening_per_queue([queue_id for _bulletin, queue_id in gained])
        _pick_and_lock(gained, now=now)
        _end_stale_accesses(now=now)
        opened = insert_select(
            Access,
            shared={"opened_at": now},
            columns=("bulletin", "queue", "application", "position", "ends_at"),
            select=_ACCESSES_SQL.format(bulletin=_table(Bulletin)),
            params={},
        )
        _mark_access_open(now=now)
        _record_openings({bulletin_id: windows[bulletin_id] for bulletin_id, _queue in gained}, now=now)
        if passed_on is not None:
            picks = [(number, position) for _bulletin, _queue, number, position in _picked_numbers()]
            openings.append([replace(passed_on, accesses=picks)], at=now)
        else:
            openings.log_publication(gained=gained, picks=_picked_numbers(), at=now)
        enqueue_select(
            "bulletins.tasks.notify_access_opened",
            select=_NOTICES_SQL.format(
                args=json_agg_sql("notice.id"),
                per_message=NOTICES_PER_MESSAGE,
                opened=_OPENED.format(access=_table(Access)),
            ),
            params={},
        )
        _drop_picks()
    return opened


# The applicants a batch opens access to, kept in the database between the statements of its transaction
# (dropped at its end; on PostgreSQL at the commit at the latest): created by the first pick.
_CREATE_PICKS = {
    "postgresql": "CREATE TEMPORARY TABLE open_access_picks ON COMMIT DROP AS",
    "sqlite": "CREATE TEMPORARY TABLE open_access_picks AS",
}
_INSERT_PICKS = "INSERT INTO open_access_picks (bulletin_id, queue_id, application_id, position, places)"

# Who may get access, as a condition over a queue entry: a status in ``MAY_GET_ACCESS``, a child whose age
# fits the group on the day (``applications.selectors.age_fit_sql``), no access of this bulletin in the
# queue, no open access there whose window has not ended. Each looked up by index, entry by entry: the two
# accesses by their own unique indexes (``access_once_per_bulletin_and_queue``,
# ``access_one_open_per_queue``).
# A queue's children are all born in its birth year: in a year whose every child fits
# (``applications.selectors.year_fits_sql``) no child row is read. At a million applications the children
# are read from disk one page each, half of the pick's time, and only the queues of the years at the ends
# of the age rule still need them.
# They are counted rather than tested with NOT EXISTS, apart rather than under one OR, and the end of the
# window is not a condition of the scan: with the accesses this very run opens not yet in its statistics,
# PostgreSQL would otherwise reread every open access once per entry (an anti-join, a bitmap OR, or a scan
# of ``access_open_ends``).
_ELIGIBLE_SQL = """
    EXISTS (
        SELECT 1 FROM {application} AS application
        WHERE application.id = entry.application_id AND application.status IN ({may_get_access})
          AND (
            EXISTS (SELECT 1 FROM {queue} AS queue WHERE queue.id = entry.queue_id AND {year_fits})
            OR EXISTS (SELECT 1 FROM {child} AS child WHERE child.id = application.child_id AND {age_fits})
          )
    )
    AND (
        SELECT COUNT(*) FROM {access} AS access
        WHERE access.bulletin_id = {bulletin}
          AND access.queue_id = entry.queue_id AND access.application_id = entry.application_id
    ) = 0
    AND (
        SELECT COUNT(CASE WHEN access.ends_at > %(now)s THEN 1 END) FROM {access} AS access
        WHERE access.status = %(open)s
          AND access.queue_id = entry.queue_id AND access.application_id = entry.application_id
    ) = 0
"""
# How many a queue still wants: its places minus the accesses this bulletin opened there, whatever became
# of them, so that a rerun, or a run after a crash, opens only the rest.
_STILL_WANTED_SQL = (
    "({places} - (SELECT COUNT(*) FROM {access} AS opened"
    " WHERE opened.bulletin_id = {bulletin} AND opened.queue_id = {queue}))"
)
_PICK_SQL = """
    {into} SELECT wanted.bulletin_id, wanted.queue_id, picked.application_id, picked.position, wanted.places
    FROM (VALUES {wanted}) AS wanted (bulletin_id, queue_id, places)
    CROSS JOIN LATERAL ({picked}) AS picked
"""
# Without LATERAL (SQLite in development): the same query for each queue, all in one statement.
_PICK_EACH_SQL = "{into} {each}"
_ONE_QUEUE_SQL = (
    "SELECT %(bulletin_{index})s AS bulletin_id, %(queue_{index})s AS queue_id, picked.application_id,"
    " picked.position,"
    " %(places_{index})s AS places FROM ({picked}) AS picked"
)
# Lock the chosen applications (in id order) and name the queues where one may no longer get access: a
# parent may withdraw, or take a referral elsewhere, between the pick and the lock.
_LOCK_SQL = """
    WITH locked AS {materialized} (
        SELECT id FROM {application}
        WHERE id IN (SELECT application_id FROM open_access_picks) AND status IN ({may_get_access})
        ORDER BY id{for_update}
    )
    SELECT DISTINCT queue_id FROM open_access_picks WHERE application_id NOT IN (SELECT id FROM locked)
"""
# The chosen applicants' open accesses in these queues whose window is over: ``end_priority_windows``
# may not have reached them yet, and a queue holds one open access per application
# (``access_one_open_per_queue``).
_END_STALE_SQL = """
    UPDATE {access} SET status = %(ended)s, closed_at = %(closed_at)s
    WHERE status = %(open)s AND ends_at <= %(now)s
      AND (queue_id, application_id) IN (SELECT queue_id, application_id FROM open_access_picks)
"""
_UNPICK_SQL = "DELETE FROM open_access_picks WHERE queue_id IN ({queues})"
_MARK_ACCESS_OPEN_SQL = """
    UPDATE {application} SET status = %(status)s, status_reason = %(status_reason)s,
        status_changed_at = %(status_changed_at)s
    FROM (SELECT DISTINCT application_id FROM open_access_picks ORDER BY application_id) AS picked
    WHERE {application}.id = picked.application_id AND {application}.status = %(in_queue)s
"""
# The accesses a batch opened, each beside its pick (by ``access_once_per_bulletin_and_queue``).
_OPENED = """
    open_access_picks JOIN {access} AS access
    ON access.bulletin_id = open_access_picks.bulletin_id
       AND access.queue_id = open_access_picks.queue_id
       AND access.application_id = open_access_picks.application_id
"""
# The notices of the opened accesses, NOTICES_PER_MESSAGE to a message (its arguments: their ids).
_NOTICES_SQL = """
    SELECT {args} AS args FROM (
        SELECT access.id, (ROW_NUMBER() OVER (ORDER BY access.id) - 1) / {per_message:d} AS message
        FROM {opened} ORDER BY access.id
    ) AS notice
    GROUP BY notice.message ORDER BY notice.message
"""
_OPENED_EVENTS_SQL = (
    "SELECT open_access_picks.application_id AS target_id, {details} AS details"
    " FROM {opened} ORDER BY access.id"
)
_QUEUE_EVENTS_SQL = (
    "SELECT bulletin_id AS target_id, {details} AS details"
    " FROM open_access_picks GROUP BY bulletin_id, queue_id ORDER BY bulletin_id, queue_id"
)
# Each access's window is its bulletin's.
_ACCESSES_SQL = """
    SELECT picks.bulletin_id, picks.queue_id, picks.application_id, picks.position, bulletin.priority_until
    FROM open_access_picks AS picks JOIN {bulletin} AS bulletin ON bulletin.id = picks.bulletin_id
    ORDER BY picks.bulletin_id, picks.queue_id, picks.position
"""


def _picked_numbers() -> list[tuple[int, int, str, int]]:
    """(bulletin id, queue id, application number, position held) of the batch's picks in queue order: the
    log's lines."""
    with connection.cursor() as cursor:
        cursor.execute(_PICKED_NUMBERS_SQL.format(application=_table(Application)))
        return cursor.fetchall()


_PICKED_NUMBERS_SQL = """
    SELECT picks.bulletin_id, picks.queue_id, application.number, picks.position
    FROM open_access_picks AS picks JOIN {application} AS application ON application.id = picks.application_id
    ORDER BY picks.bulletin_id, picks.queue_id, picks.position
"""


def _pick_and_lock(gained: dict[tuple[int, int], int], *, now: datetime.datetime) -> None:
    """Fill the picks with each queue's first applicants who may get access now, and lock them.

    Per (bulletin, queue), as many as the queue still wants from the bulletin,
    in queue order (``queues.bulk``). Not eligible: a status outside
    ``MAY_GET_ACCESS`` (a referral, the stop-list), a child whose age does not
    fit the group today, an access of this bulletin in the queue, or an open
    access there whose window has not ended (an ended window holds nothing,
    even before ``end_priority_windows`` has run). The children of a place's
    queue are born in the group's year, so the age is the one thing left of
    "fits the group" (RULES.md sections 4, 5). The queues whose picks changed
    before the lock are picked again.
    """
    _pick(gained, now=now, into=_CREATE_PICKS.get(connection.vendor, _CREATE_PICKS["sqlite"]))
    while changed := _lock_picks():
        with connection.cursor() as cursor:
            cursor.execute(_UNPICK_SQL.format(queues=", ".join(["%s"] * len(changed))), changed)
        again = {pair: places for pair, places in gained.items() if pair[1] in changed}
        _pick(again, now=now, into=_INSERT_PICKS)


def _pick(gained: dict[tuple[int, int], int], *, now: datetime.datetime, into: str) -> None:
    """Put the picks of ``gained`` ((bulletin id, queue id): places) ``into`` the table; one statement."""
    statuses = {f"may_get_access_{index}": str(status) for index, status in enumerate(MAY_GET_ACCESS)}
    today = timezone.localdate(now)
    age_fits, age_params = age_fit_sql(
        birth_date="child.birth_date", application="application.id", today=today
    )
    year_fits, year_params = year_fits_sql(birth_year="queue.birth_year", today=today)

    def eligible(bulletin: str) -> str:
        return _ELIGIBLE_SQL.format(
            application=_table(Application),
            child=_table(Child),
            queue=_table(Queue),
            access=_table(Access),
            may_get_access=", ".join(f"%({name})s" for name in statuses),
            age_fits=age_fits,
            year_fits=year_fits,
            bulletin=bulletin,
        )

    params = {
        **statuses,
        **age_params,
        **year_params,
        "open": str(AccessStatus.OPEN),
        "now": connection.ops.adapt_datetimefield_value(now),
    }
    for index, ((bulletin_id, queue_id), places) in enumerate(gained.items()):
        params |= {f"bulletin_{index}": bulletin_id, f"queue_{index}": queue_id, f"places_{index}": places}
    if connection.vendor == "postgresql":
        sql = _PICK_SQL.format(
            into=into,
            wanted=", ".join(
                f"(%(bulletin_{index})s, %(queue_{index})s, %(places_{index})s)"
                for index in range(len(gained))
            ),
            picked=_first_eligible_sql(
                bulletin="wanted.bulletin_id",
                queue="wanted.queue_id",
                places="wanted.places",
                eligible=eligible("wanted.bulletin_id"),
            ),
        )
    else:
        sql = _PICK_EACH_SQL.format(
            into=into,
            each=" UNION ALL ".join(
                _ONE_QUEUE_SQL.format(
                    index=index,
                    picked=_first_eligible_sql(
                        bulletin=f"%(bulletin_{index})s",
                        queue=f"%(queue_{index})s",
                        places=f"%(places_{index})s",
                        eligible=eligible(f"%(bulletin_{index})s"),
                    ),
                )
                for index in range(len(gained))
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _first_eligible_sql(*, bulletin: str, queue: str, places: str, eligible: str) -> str:
    limit = _STILL_WANTED_SQL.format(places=places, access=_table(Access), bulletin=bulletin, queue=queue)
    return queue_bulk.first_positions_sql(queue=queue, limit=limit, eligible=eligible)


def _lock_picks() -> list[int]:
    """Lock the picked applications; the queues of those that may no longer get access, to pick again."""
    postgresql = connection.vendor == "postgresql"
    sql = _LOCK_SQL.format(
        materialized="MATERIALIZED" if postgresql else "",
        application=_table(Application),
        may_get_access=", ".join(["%s"] * len(MAY_GET_ACCESS)),
        for_update=" FOR UPDATE" if connection.features.has_select_for_update else "",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(status) for status in MAY_GET_ACCESS])
        return sorted(queue_id for (queue_id,) in cursor.fetchall())


def _end_stale_accesses(*, now: datetime.datetime) -> None:
    ended = _moved(Access(status=AccessStatus.OPEN), AccessStatus.ENDED, now=now)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            _END_STALE_SQL.format(access=_table(Access)),
            {
                "ended": str(ended["status"]),
                "closed_at": adapt(ended["closed_at"]),
                "open": str(AccessStatus.OPEN),
                "now": adapt(now),
            },
        )


def _mark_access_open(*, now: datetime.datetime) -> None:
    """The picked applications still ``in_queue`` move to ``access_open``: one UPDATE, in id order.

    The status is in two of the table's indexes, so every row is written anew
    with an entry in each of its eight. Visited in id order (mostly the order
    of their children and applicants too), the pages of the table and of most
    indexes come one after the other instead of at random: at a million
    applications a fifth less time for a batch, a third for 25,000 rows at once.
    """
    moved = _moved(Application(status=Status.IN_QUEUE), Status.ACCESS_OPEN, now=now)
    with connection.cursor() as cursor:
        cursor.execute(
            _MARK_ACCESS_OPEN_SQL.format(application=_table(Application)),
            {
                "status": str(moved["status"]),
                "status_reason": moved["status_reason"],
                "status_changed_at": connection.ops.adapt_datetimefield_value(moved["status_changed_at"]),
                "in_queue": str(Status.IN_QUEUE),
            },
        )


def _drop_picks() -> None:
    """Drop the picks at the end of the batch: its transaction may be a savepoint of a longer one.

    A rollback takes the table back with everything else.
    """
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE open_access_picks")


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _moved(instance, to, *, now: datetime.datetime) -> dict:
    """The fields the state machine sets on ``instance`` moving to ``to``, for one UPDATE of many rows.

    The move is checked by the model's own ``transition`` (it raises if not
    allowed), once for the whole set, and the values it sets are the ones written.
    """
    if isinstance(instance, Application):
        transition_application(instance, to, now=now)
        fields = ("status", "status_reason", "status_changed_at")
    else:
        transition_access(instance, to, now=now)
        fields = ("status", "closed_at")
    return {field: getattr(instance, field) for field in fields}


def _record_openings(windows: dict[int, datetime.datetime], *, now: datetime.datetime) -> None:
    """One audit event per access on its application, and one per queue on its bulletin: two inserts.

    ``windows``: the end of each bulletin's priority window, by id, written into
    each access's event as the bulletin's own event says it.
    """
    params = {}
    ends_at = []
    for index, (bulletin_id, priority_until) in enumerate(windows.items()):
        params |= {f"bulletin_{index}": bulletin_id, f"ends_at_{index}": priority_until.isoformat()}
        ends_at.append(f"WHEN %(bulletin_{index})s THEN CAST(%(ends_at_{index})s AS TEXT)")
    record_select(
        action=AuditAction.ACCESS_OPENED,
        model=Application,
        at=now,
        select=_OPENED_EVENTS_SQL.format(
            details=json_object_sql(
                access="access.id",
                bulletin="access.bulletin_id",
                queue="access.queue_id",
                position="access.position",
                ends_at=f"CASE access.bulletin_id {' '.join(ends_at)} END",
            ),
            opened=_OPENED.format(access=_table(Access)),
        ),
        params=params,
    )
    record_select(
        action=AuditAction.BULLETIN_ACCESS_OPENED,
        model=Bulletin,
        at=now,
        select=_QUEUE_EVENTS_SQL.format(
            details=json_object_sql(queue="queue_id", opened="COUNT(*)", places="MAX(places)")
        ),
        params={},
    )


def _end_access(access_id: int, application_id: int, *, now: datetime.datetime) -> int:
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application_id)
        access = Access.objects.select_for_update().get(pk=access_id)
        if access.status != AccessStatus.OPEN or (
            access.ends_at > now and application.status == Status.ACCESS_OPEN
        ):
            return 0
        transition_access(access, AccessStatus.ENDED, now=now)
        access.save(update_fields=["status", "closed_at"])
        still_open = Access.objects.filter(application=application, status=AccessStatus.OPEN).exists()
        if application.status == Status.ACCESS_OPEN and not still_open:
            transition_application(application, Status.IN_QUEUE, now=now)
            application.save(update_fields=["status", "status_reason", "status_changed_at"])
        record(
            action=AuditAction.ACCESS_ENDED,
            target=application,
            at=now,
            details={"access": access.pk, "bulletin": access.bulletin_id, "queue": access.queue_id},
        )
    return 1


def _one_opening_per_queue(queue_ids: list[int]) -> None:
    """Serialise the openings of each queue (two bulletins, or two runs of one) for this transaction.

    PostgreSQL transaction-level advisory locks, one per queue, taken in queue
    order so that two runs over overlapping batches cannot deadlock; a rerun
    waits for a run in progress and then counts what it committed. Other
    databases (SQLite in development) write one transaction at a time anyway.
    The same statement turns JIT compilation off for the transaction: the
    pick's estimated cost sets it off, and compiling took longer (about 200 ms)
    than running it.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('jit', 'off', true),"
            " pg_advisory_xact_lock(hashtextextended('open-access:' || queue_id, 0))"
            " FROM (SELECT unnest(%s::bigint[]) AS queue_id ORDER BY 1) AS batch",
            [sorted(queue_ids)],
        )


def _lock_draft(bulletin: Bulletin, actor) -> Bulletin:
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if not Bulletin.objects.restrict(actor, Action.CHANGE).filter(pk=bulletin.pk).exists():
        raise OutOfScope()
    if bulletin.status != BulletinStatus.DRAFT:
        raise BulletinPublished()
    return bulletin


def _lock_report(report: VacancyReport, actor) -> VacancyReport:
    report = VacancyReport.objects.select_for_update().select_related("group__kindergarten").get(pk=report.pk)
    if not VacancyReport.objects.restrict(actor, Action.CHANGE).filter(pk=report.pk).exists():
        raise OutOfScope()
    if report.state != ReportState.PENDING:
        raise ReportAlreadyDecided()
    return report


def _add_places(bulletin: Bulletin, group: Group, places: int) -> BulletinPlace:
    group = Group.objects.select_related("kindergarten__settlement").get(pk=group.pk)
    if group.kindergarten.settlement.district_id != bulletin.district_id:
        raise GroupOutsideDistrict()
    _check_places(places, group)
    place = BulletinPlace.objects.select_for_update().filter(bulletin=bulletin, group=group).first()
    if place is not None:
        if place.places + places > group.capacity:
            raise ValidationError({"places": _capacity_message(group)})
        place.places += places
        place.save(update_fields=["places"])
        return place
    queue = queue_services.queue_for(
        settlement_id=group.kindergarten.settlement_id, birth_year=group.birth_year, kind=group.kind
    )
    return BulletinPlace.objects.create(bulletin=bulletin, group=group, queue=queue, places=places)


def _check_places(places: int, group: Group) -> None:
    if places < 1:
        raise ValidationError({"places": _("Enter at least one place.")})
    if places > group.capacity:
        raise ValidationError({"places": _capacity_message(group)})


def _capacity_message(group: Group) -> str:
    return gettext("The group has %(capacity)s places in all.") % {"capacity": group.capacity}


def _ensure_may_withdraw(actor, place: BulletinPlace) -> None:
    """The staff of the place's kindergarten, or a specialist of the bulletin's district."""
    if actor is not None and actor.is_authenticated and actor.role == Role.KINDERGARTEN:
        ensure_kindergarten_staff(actor, place.group.kindergarten)
        return
    if not Bulletin.objects.restrict(actor, Action.CHANGE).filter(pk=place.bulletin_id).exists():
        raise OutOfScope()
