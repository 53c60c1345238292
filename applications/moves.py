"""Notices of moves (issue 12 item 4): a parent who asked is told when a position moved by their threshold.

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
"""

import datetime
from collections.abc import Iterator
from itertools import islice

from django.db import transaction
from django.db.models import Max

from dispatch.services import enqueue
from queues import selectors as queue_selectors
from queues.history import Step
from queues.models import QueueEntry

from .choices import ACTIVE_STATUSES
from .models import Application, MoveNotice

#: The thresholds a parent may choose from, in places.
THRESHOLDS = (5, 10, 20, 50, 100)
#: At most one notice of moves per application in this long.
INTERVAL = datetime.timedelta(days=7)
BATCH = 200


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
