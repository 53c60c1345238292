"""Changes to queue standing. Called by the application use cases inside their transaction.

These functions do not write the audit trail: the use case that calls them
(submitting, reclassifying, withdrawing an application) records one event for
the whole change, which is what a reader of the history needs.

They are the only writers of ``QueueEntry``. Each locks the rows of the queues it
changes (in id order, so two writers never deadlock), gives each a new random
``version`` and, after the commit, applies the change to the Redis copy of the
order if that copy is still at the old version (``ranks``, docs/architecture.md
"Read path"). The lock is ``FOR NO KEY UPDATE``: it does not block inserts that
only reference the queue (bulletin places, accesses). The write stays two small
statements on each queue row plus O(log n) in Redis; no stored rank shifts.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db.models import Case, Value, When
from django.utils import timezone

from . import ranks
from .choices import BenefitClass, LeaveReason, QueueEventCause
from .models import Queue, QueueChange, QueueEntry, QueueEvent, new_version

ABSENT = QueueChange.ABSENT  # the class of a member before it joins and after it leaves


def queue_for(*, settlement_id: int, birth_year: int, kind: str) -> Queue:
    queue, _ = Queue.objects.get_or_create(settlement_id=settlement_id, birth_year=birth_year, kind=kind)
    return queue


def join_queues(
    *,
    application_id: int,
    settlement_id: int,
    birth_year: int,
    kinds: Iterable[str],
    benefit_class: BenefitClass,
    submitted_at: datetime.datetime,
    now: datetime.datetime,
    cause: QueueEventCause = QueueEventCause.SUBMITTED,
) -> list[QueueEntry]:
    """Stand the application in the queue of each kind, all with the same submission time (RULES.md 2).

    ``cause``: why it enters, for the position history (a paper application received earlier).
    """
    queues = [queue_for(settlement_id=settlement_id, birth_year=birth_year, kind=kind) for kind in kinds]
    versions = _lock([queue.pk for queue in queues])
    entries = [
        QueueEntry.objects.create(
            queue=queue,
            application_id=application_id,
            benefit_class=benefit_class,
            submitted_at=submitted_at,
            joined_at=now,
        )
        for queue in queues
    ]
    _changed(
        versions,
        {entry.queue_id: [(application_id, ABSENT, benefit_class, submitted_at)] for entry in entries},
        cause=cause,
        now=now,
    )
    return entries


def reclassify(
    *,
    application_id: int,
    benefit_class: BenefitClass,
    cause: QueueEventCause,
    now: datetime.datetime,
    benefit_until: datetime.date | None = None,
) -> int:
    """Move the application to ``benefit_class`` in every queue it stands in; its submission time stays.

    ``benefit_until`` is the last day the class counts (None: no end). Every
    standing entry gets both, whatever it held before, so no entry of the
    application can keep a class its documents no longer give (issue 15: an
    entry left behind by a queue the application left kept an expired class).
    Returns how many entries changed class; only their queues get a new version,
    since the end date alone does not change the order. ``cause`` (a benefit
    confirmed, rejected, expired, a referral cancelled) is recorded with each move.
    """
    entries = QueueEntry.objects.standing().filter(application_id=application_id)
    versions, changing = _locked(entries.exclude(benefit_class=benefit_class, benefit_until=benefit_until))
    moving = [entry for entry in changing if entry[-1] != benefit_class]
    QueueEntry.objects.filter(pk__in=[pk for pk, *_ in changing]).update(
        benefit_class=benefit_class, benefit_until=benefit_until
    )
    _changed(versions, _by_queue(moving, benefit_class), cause=cause, now=now)
    return len(moving)


def due_for_expiry(*, today: datetime.date, queue_ids: Iterable[int] | None = None) -> list[int]:
    """Applications standing (in ``queue_ids``, or anywhere) whose class stopped counting before ``today``.

    RULES.md section 3: an expired benefit counts as none. One probe of the
    ``queue_entry_benefit_until`` index: empty, and cheap, on almost every call.
    """
    due = QueueEntry.objects.standing().filter(benefit_until__lt=today)
    if queue_ids is not None:
        due = due.filter(queue_id__in=list(queue_ids))
    return list(due.values_list("application_id", flat=True).distinct().order_by("application_id"))


#: The use case that reclassifies applications from their documents (``applications``, which the
#: queue engine may not import), registered by that app when Django starts.
_expiry: list[Callable[..., int]] = []


def register_expiry(expire: Callable[..., int]) -> None:
    """Name the function that lowers the class of given applications: ``expire(ids, now=...)``."""
    _expiry[:] = [expire]


def settle_expired(queue_ids: Iterable[int], *, now: datetime.datetime) -> int:
    """Apply, before a read, the expiry of every class in ``queue_ids`` that stopped counting.

    Readers call this so that a position counts no expired benefit at any moment,
    not only after the nightly job (issue 15). The expiry itself is the
    registered use case, idempotent, one application per transaction. Returns
    how many applications changed class.
    """
    due = due_for_expiry(today=timezone.localdate(now), queue_ids=queue_ids)
    if not due:
        return 0
    (expire,) = _expiry
    return expire(due, now=now)


def leave_queues(
    *,
    application_id: int,
    reason: LeaveReason,
    now: datetime.datetime,
    kinds: Iterable[str] | None = None,
) -> int:
    """Stop counting the application in its queues (all, or those of ``kinds``). Nothing is deleted."""
    entries = QueueEntry.objects.standing().filter(application_id=application_id)
    if kinds is not None:
        entries = entries.filter(queue__kind__in=list(kinds))
    versions, leaving = _locked(entries)
    QueueEntry.objects.filter(pk__in=[pk for pk, *_ in leaving]).update(left_at=now, left_reason=reason)
    _changed(versions, _by_queue(leaving, ABSENT), cause=QueueEventCause.of_leaving(reason), now=now)
    return len(leaving)


def _lock(queue_ids: Iterable[int]) -> dict[int, int]:
    """Lock the queues' rows, in id order, and return their versions by queue id."""
    return dict(
        Queue.objects.select_for_update(no_key=True)
        .filter(pk__in=queue_ids)
        .order_by("pk")
        .values_list("pk", "version")
    )


def _locked(entries) -> tuple[dict[int, int], list[tuple]]:
    """Lock the queues of ``entries``, then read them again: no other writer can change them now.

    Returns the queues' versions and (pk, queue id, application id, submission time, class) of each entry.
    """
    versions = _lock(entries.values_list("queue_id", flat=True))
    return versions, list(
        entries.values_list("pk", "queue_id", "application_id", "submitted_at", "benefit_class")
    )


def _by_queue(entries: list[tuple], new_class: int) -> dict[int, list[tuple]]:
    changes = defaultdict(list)
    for _pk, queue_id, application_id, submitted_at, old_class in entries:
        changes[queue_id].append((application_id, old_class, new_class, submitted_at))
    return changes


def _changed(
    old: dict[int, int], changes: dict[int, list[tuple]], *, cause: QueueEventCause, now: datetime.datetime
) -> None:
    """Give each changed (and locked) queue a new version, log the change, and have Redis follow.

    ``changes``: by queue id, (application id, class before, class after, submission time) of
    each member that moved; ``ABSENT`` before a join and after a leave. The log rows are
    written in this transaction (``QueueChange``), and so are the kept events with their
    ``cause`` (``QueueEvent``, one per member that moved); Redis follows after the commit.
    Written while the queue's row is locked, a queue's events get their ids in commit order.
    """
    if not changes:
        return
    new = {queue_id: new_version() for queue_id in changes}
    Queue.objects.filter(pk__in=list(changes)).update(
        version=Case(*(When(pk=queue_id, then=Value(version)) for queue_id, version in new.items()))
    )
    QueueChange.objects.bulk_create(
        QueueChange(
            queue_id=queue_id,
            previous_version=old[queue_id],
            version=new[queue_id],
            application_id=application_id,
            old_class=old_class,
            new_class=new_class,
            submitted_at=submitted_at,
        )
        for queue_id, queue_changes in changes.items()
        for application_id, old_class, new_class, submitted_at in queue_changes
    )
    QueueEvent.objects.bulk_create(
        QueueEvent(
            queue_id=queue_id,
            application_id=application_id,
            cause=cause,
            old_class=old_class,
            new_class=new_class,
            submitted_at=submitted_at,
            at=now,
        )
        for queue_id, queue_changes in changes.items()
        for application_id, old_class, new_class, submitted_at in queue_changes
    )
    for queue_id, queue_changes in changes.items():
        ranks.after_commit(queue_id, old=old[queue_id], new=new[queue_id], changes=queue_changes)
