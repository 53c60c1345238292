"""Background jobs of the queue engine: rebuilding the Redis copy of a queue's order (``ranks``).

They run in their own Celery queue, ``ranks``, so a rebuild never waits behind
notices or bulletin work, nor delays them.
"""

from celery import shared_task

from . import ranks, summary


@shared_task(acks_late=True)
def rebuild_queue_ranks(queue_id: int) -> bool:
    """Rebuild one queue's sets from PostgreSQL (asked for by a reader that found them stale)."""
    return ranks.rebuild_queue(queue_id)


@shared_task(acks_late=True)
def purge_queue_changes() -> int:
    """Drop the pending-change log's rows older than ``QUEUE_CHANGE_LOG_HOURS``: Redis is long past them."""
    return ranks.purge_changes()


@shared_task(acks_late=True)
def refresh_area_summaries() -> int:
    """Recount the front page's figures (``summary``); run by beat every few minutes."""
    return summary.refresh()
