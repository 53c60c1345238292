"""The outbox's own jobs, and the task class that makes a second delivery harmless."""

import logging

from celery import Task, shared_task

from core import clock

from . import services
from .models import CELERY_ID_PREFIX, PendingTask

logger = logging.getLogger("kezek.dispatch")

RELAY_BATCH = 1000


class OutboxTask(Task):
    """A task whose body runs once per outbox row, however many times its message arrives.

    The outbox may send a row twice (Redis took the message but the answer was
    lost), and ``acks_late`` redelivers the message of a worker that died. The
    message id names the row: a row already done is skipped, and a row is marked
    done only after the body returned, so a failure that Celery retries is not.
    Two deliveries running at the very same moment can still both run; the
    outbox makes that rare, a notice sent twice is the worst it does.
    """

    def __call__(self, *args, **kwargs):
        row_id = _outbox_row(self.request.id)
        if row_id is None:
            return self.run(*args, **kwargs)
        if PendingTask.objects.filter(pk=row_id, done_at__isnull=False).exists():
            logger.info("%s: outbox row %s is already done; this delivery is skipped", self.name, row_id)
            return None
        result = self.run(*args, **kwargs)
        PendingTask.objects.filter(pk=row_id).update(done_at=clock.now())
        return result


def _outbox_row(task_id: str | None) -> int | None:
    if task_id and task_id.startswith(CELERY_ID_PREFIX):
        return int(task_id.removeprefix(CELERY_ID_PREFIX))
    return None


@shared_task(acks_late=True)
def send_rows(ids: list[int]) -> int:
    """One chunk of ``services.enqueue_select``: a redelivery sends only what is not sent yet."""
    return services.send_rows(ids)


@shared_task
def relay_pending() -> int:
    """Send everything that waited, batch after batch, until none is left or the broker stops answering."""
    total = 0
    while True:
        sent = services.relay_pending(limit=RELAY_BATCH)
        total += sent
        if sent < RELAY_BATCH:
            return total


@shared_task
def purge_sent() -> int:
    return services.purge_sent()
