"""Notices of moves (issue 12 item 4): a parent who asked is told when a position moved by their threshold,
or when the band of a wait estimate changed.

The parent chooses a threshold (``THRESHOLDS``) and SMS or e-mail on the
notices page of the cabinet; by default nobody is told. Once a day
(``tasks.notice_position_moves``, settings.py's beat) every application of
such a parent that was not told in the last ``INTERVAL`` is looked at: in each
queue it stands in, its position now and where it stood at the start of the
period (the later of its last notice and the moment the parent asked),
both read from the queue's own history since then
(``queues.selectors.position_histories``, the one place that knows
positions). Where some queue moved by at least the threshold, one
``MoveNotice`` is written and its delivery enqueued through the outbox
(``dispatch``) in the same transaction, a batch of applications at a time;
the next look at that application is a week later.

The estimate's band, for a parent who asked for it on the same page
(``notice_estimate_bands``, the same morning): for each queue, the days on
which the middle half of the wait estimate begins and ends (``band``: today
plus the 25th and 75th percentiles, ``queues.selectors.wait_estimates``), or
none when no range can be given. The first look after asking only records
them; a later one compares with what the parent was last told
(``EstimateNotice``) and, where an end has moved by ``BAND_MOVE`` or more, or a
range appeared or vanished, writes one notice for the application and
enqueues it. The estimate is simulated afresh each day, so its ends wobble by
days: a band that only crossed the turn of a month has not changed.
"""

import datetime
from collections.abc import Iterator
from itertools import islice

from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef
from django.utils import timezone

from dispatch.services import enqueue
from queues import selectors as queue_selectors
from queues.estimate import MONTH, Estimate
from queues.history import Step
from queues.models import QueueEntry

from .choices import ACTIVE_STATUSES
from .models import Application, EstimateNotice, MoveNotice

#: The thresholds a parent may choose from, in places.
THRESHOLDS = (5, 10, 20, 50, 100)
#: At most one notice of moves per application in this long.
INTERVAL = datetime.timedelta(days=7)
BATCH = 200
#: How far an end of the estimate's band must move to be news.
BAND_MOVE = datetime.timedelta(days=30)


def notice_moves(*, now: datetime.datetime) -> int:
    """Enqueue a notice for every application whose position moved by its parent's threshold; how many."""
    due = (
        Application.objects.filter(
            status__in=ACTIVE_STATUSES,
            applicant__move_notice_threshold__isnull=False,
            applicant__move_notices_since__isnull=False,
        )
        .exclude(move_notices__sent_at__gt=now - INTERVAL)
        .select_related("applicant")
        .order_by("pk")
    )
    sent = 0
    for batch in _batches(due.iterator(chunk_size=BATCH)):
        sent += _notice_batch(batch, now=now)
    return sent


def _batches(applications: Iterator[Application]) -> Iterator[list[Application]]:
    while batch := list(islice(applications, BATCH)):
        yield batch


def _notice_batch(applications: list[Application], *, now: datetime.datetime) -> int:
    last = dict(
        MoveNotice.objects.filter(application__in=applications)
        .values("application_id")
        .annotate(last=Max("sent_at"))
        .values_list("application_id", "last")
    )
    entries = queue_selectors.settled_entries(
        QueueEntry.objects.standing()
        .filter(application__in=applications)
        .select_related("queue")
        .order_by("application_id", "queue__kind")
    )
    moves: dict[int, list[dict]] = {}
    by_id = {application.pk: application for application in applications}
    since = [_since(by_id[entry.application_id], last.get(entry.application_id)) for entry in entries]
    histories = queue_selectors.position_histories(entries, since=since)
    for entry, steps, moment in zip(entries, histories, since, strict=True):
        application = by_id[entry.application_id]
        move = _move(steps, since=moment)
        if move is not None and abs(move[1] - move[0]) >= application.applicant.move_notice_threshold:
            moves.setdefault(application.pk, []).append(
                {"kind": entry.queue.kind, "before": move[0], "after": move[1]}
            )
    with transaction.atomic():
        for application_id, application_moves in moves.items():
            notice = MoveNotice.objects.create(
                application_id=application_id,
                since=_since(by_id[application_id], last.get(application_id)),
                sent_at=now,
                moves=application_moves,
            )
            enqueue("applications.tasks.notify_position_moved", notice.pk)
    return len(moves)


def _since(application: Application, last_notice: datetime.datetime | None) -> datetime.datetime:
    """Moves count from the parent's asking, or from the application's last notice if later."""
    asked = application.applicant.move_notices_since
    return max(asked, last_notice) if last_notice is not None else asked


def _move(steps: list[Step], *, since: datetime.datetime) -> tuple[int, int] | None:
    """(position at ``since``, position now) from a history, oldest step first; None when nothing moved.

    An entry that joined after ``since`` is counted from its position when it joined.
    """
    later = [step for step in steps if step.at > since]
    if not later or later[-1].position_after is None:
        return None
    first = later[0]
    before = first.position_before if first.position_before is not None else first.position_after
    return before, later[-1].position_after


def notice_estimate_bands(*, now: datetime.datetime) -> int:
    """Enqueue a notice for each application whose estimate's band changed, if the parent asked; how many."""
    told_lately = EstimateNotice.objects.filter(
        application=OuterRef("pk"), told=True, looked_at__gt=now - INTERVAL
    )
    due = (
        Application.objects.filter(
            status__in=ACTIVE_STATUSES, applicant__estimate_notices_since__isnull=False
        )
        .exclude(Exists(told_lately))
        .select_related("applicant")
        .order_by("pk")
    )
    return sum(_band_batch(batch, now=now) for batch in _batches(due.iterator(chunk_size=BATCH)))


def band(found: Estimate, today: datetime.date) -> list[str] | None:
    """The days on which the estimate's middle half begins and ends (ISO dates); None: no range given."""
    if not found.enough_history or found.low is None or found.high is None:
        return None
    return [(today + found.low * MONTH).isoformat(), (today + found.high * MONTH).isoformat()]


def band_moved(before: list[str] | None, after: list[str] | None) -> bool:
    """A range appeared or vanished, or one of its ends moved by ``BAND_MOVE`` or more."""
    if before is None or after is None:
        return before != after
    return any(
        abs(datetime.date.fromisoformat(old) - datetime.date.fromisoformat(new)) >= BAND_MOVE
        for old, new in zip(before, after, strict=True)
    )


def _band_batch(applications: list[Application], *, now: datetime.datetime) -> int:
    today = timezone.localdate(now)
    positions = queue_selectors.positions_of_applications([application.pk for application in applications])
    found = iter(queue_selectors.wait_estimates([p for a in applications for p in positions.get(a.pk, [])]))
    known = _known_bands(applications)
    told = 0
    with transaction.atomic():
        for application in applications:
            bands = {p.entry.queue.kind: band(next(found), today) for p in positions.get(application.pk, [])}
            told += _look(application, bands, known.get(application.pk), now=now)
    return told


def _known_bands(applications: list[Application]) -> dict[int, dict]:
    """What each parent was last told (or first found) since asking, by application."""
    rows = (
        EstimateNotice.objects.filter(
            application__in=applications, looked_at__gte=F("application__applicant__estimate_notices_since")
        )
        .order_by("application_id", "-looked_at")
        .values_list("application_id", "bands")
    )
    known: dict[int, dict] = {}
    for application_id, bands in rows:
        known.setdefault(application_id, bands)
    return known


def _look(application: Application, bands: dict, known: dict | None, *, now: datetime.datetime) -> int:
    """Record the first look, a queue new to the application, or a change told (then 1)."""
    if known is None:
        EstimateNotice.objects.create(application=application, looked_at=now, bands=bands)
        return 0
    changes = [
        {"kind": kind, "before": known[kind], "after": after}
        for kind, after in bands.items()
        if kind in known and band_moved(known[kind], after)
    ]
    if not changes and bands.keys() <= known.keys():
        return 0
    # Unchanged ends stay as told, so a slow drift is told once it adds up to a month.
    told_bands = bands | {kind: known[kind] for kind in bands.keys() & known.keys()}
    told_bands |= {change["kind"]: change["after"] for change in changes}
    notice = EstimateNotice.objects.create(
        application=application, looked_at=now, bands=told_bands, changes=changes, told=bool(changes)
    )
    if changes:
        enqueue("applications.tasks.notify_estimate_changed", notice.pk)
    return int(bool(changes))
