"""Recorded queue history for tests of the wait estimate (issue 12)."""

import datetime

from queues.choices import BenefitClass, QueueEventCause
from queues.estimate import MONTH
from queues.models import QueueEvent


def record_places_given(queue_id: int, *, per_month: int, months: int = 12, now: datetime.datetime) -> int:
    """``per_month`` children enrolled from the front of the queue in each of the last ``months`` months,
    as ``QueueEvent`` rows (the children themselves are not needed: only the events are read)."""
    events = [
        QueueEvent(
            queue_id=queue_id,
            application_id=10_000_000 + month * 1000 + n,
            cause=QueueEventCause.ENROLLED,
            old_class=BenefitClass.GENERAL,
            new_class=QueueEvent.ABSENT,
            submitted_at=now - datetime.timedelta(days=700),
            at=now - (month + (n + 0.5) / (per_month + 1)) * MONTH,
        )
        for month in range(months)
        for n in range(per_month)
    ]
    QueueEvent.objects.bulk_create(events)
    return len(events)
