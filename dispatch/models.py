"""The outbox of Celery tasks (issue 6, item 9): see ``dispatch.services``."""

from django.db import models
from django.db.models import Q

from core import clock


class PendingTask(models.Model):
    """A task a committed change asked for, kept until the broker took it, and a day after.

    ``sent_at`` is when the broker accepted it; ``done_at`` is when a worker
    finished it, so a second delivery of the same row does nothing
    (``dispatch.tasks.OutboxTask``). ``attempts`` and ``last_error`` tell an
    operator why a row still waits.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # The relay reads the unsent rows oldest first; the purge, the sent ones by age.
            models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="pending_task_unsent"),
            models.Index(fields=["sent_at"], condition=Q(sent_at__isnull=False), name="pending_task_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"

    @property
    def celery_id(self) -> str:
        """The Celery task id of this row's message, the same on every send, so a worker knows its row."""
        return f"{CELERY_ID_PREFIX}{self.pk}"


CELERY_ID_PREFIX = "outbox-"
