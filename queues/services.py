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
from collections.abc import Iterable

from django.db.models import Case, Value, When

from . import ranks
from .choices import BenefitClass, LeaveReason
from .models import Queue, QueueChange, QueueEntry, new_version

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
) -> list[QueueEntry]:
    """Stand the application in the queue of each kind, all with the same submission time (RULES.md 2)."""
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
    )
    return entries


def reclassify(*, application_id: int, benefit_class: BenefitClass) -> int:
    """Move the application to another class in every queue it stands in; its submission time stays.

    Returns how many entries changed class; queues where the class stays are not touched.
    """
    entries = QueueEntry.objects.standing().filter(application_id=application_id)
    versions, moving = _locked(entries.exclude(benefit_class=benefit_class))
    QueueEntry.objects.filter(pk__in=[pk for pk, *_ in moving]).update(benefit_class=benefit_class)
    _changed(versions, _by_queue(moving, benefit_class))
    return len(moving)


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
    _changed(versions, _by_queue(leaving, ABSENT))
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

    Returns the queues' versions and (pk, queue id, application id, class, submission time) of each entry.
    """
    versions = _lock(entries.values_list("queue_id", flat=True))
    return versions, list(
        entries.values_list("pk", "queue_id", "application_id", "benefit_class", "submitted_at")
    )


def _by_queue(entries: list[tuple], new_class: int) -> dict[int, list[tuple]]:
    changes = defaultdict(list)
    for _pk, queue_id, application_id, old_class, submitted_at in entries:
        changes[queue_id].append((application_id, old_class, new_class, submitted_at))
    return changes


def _changed(old: dict[int, int], changes: dict[int, list[tuple]]) -> None:
    """Give each changed (and locked) queue a new version, log the change, and have Redis follow.

    ``changes``: by queue id, (application id, class before, class after, submission time) of
    each member that moved; ``ABSENT`` before a join and after a leave. The log rows are
    written in this transaction (``QueueChange``); Redis follows after the commit.
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
    for queue_id, queue_changes in changes.items():
        ranks.after_commit(queue_id, old=old[queue_id], new=new[queue_id], changes=queue_changes)
