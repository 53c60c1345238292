"""Changes to queue standing. Called by the application use cases inside their transaction.

These functions do not write the audit trail: the use case that calls them
(submitting, reclassifying, withdrawing an application) records one event for
the whole change, which is what a reader of the history needs.
"""

import datetime
from collections.abc import Iterable

from .choices import BenefitClass, LeaveReason
from .models import Queue, QueueEntry


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
    return [
        QueueEntry.objects.create(
            queue=queue_for(settlement_id=settlement_id, birth_year=birth_year, kind=kind),
            application_id=application_id,
            benefit_class=benefit_class,
            submitted_at=submitted_at,
            joined_at=now,
        )
        for kind in kinds
    ]


def reclassify(*, application_id: int, benefit_class: BenefitClass) -> int:
    """Move the application to another class in every queue it stands in; its submission time stays."""
    return (
        QueueEntry.objects.standing()
        .filter(application_id=application_id)
        .update(benefit_class=benefit_class)
    )


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
    return entries.update(left_at=now, left_reason=reason)
