"""The outbox: a change and the Celery tasks it asks for commit together (issue 6, item 9).

``enqueue`` writes a ``PendingTask`` row in the change's transaction and gives
the task to Celery once that commits. When Redis is down the hand-over fails
within the broker's short timeouts (settings.py, "Cache and Celery") and the
row waits; ``relay_pending``, run by beat every minute and whenever a worker
starts, sends what waited once Redis is back. Rows are locked (``SKIP
LOCKED``) while they are handed over, so two senders never send one row; a
send whose acknowledgement was lost can still be repeated, which
``tasks.OutboxTask`` makes harmless. Sent rows are kept a day, then purged.

A task is named, never imported: ``enqueue("bulletins.tasks.open_access", 7)``.
Tasks call services, so a service that imported its app's tasks would close an
import circle (DESIGN.md, "Celery tasks"); the import-linter contracts in
pyproject.toml keep services from importing tasks. A name no task answers to is
refused at once, in the change's transaction, rather than when the row is sent.
"""

import datetime
import logging
from collections.abc import Sequence
from contextlib import nullcontext

from celery import current_app
from celery.exceptions import NotRegistered
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from kombu.exceptions import OperationalError as BrokerUnreachable

from core import clock
from core.breaker import Breaker, breaker_for
from core.inserts import insert_select

from .models import PendingTask

logger = logging.getLogger("kezek.dispatch")

CHUNK = 500  # rows per message of ``enqueue_select``, and per transaction that hands them over
#: ``enqueue_relayed``: a relay asked for runs this long after the first row that asked for it.
RELAY_DELAY_SECONDS = 1
#: The key that says a relay is due; it outlives a lost relay message by a little, then rows ask again.
RELAY_ASKED_KEY = "kezek:outbox:relay-asked"
RELAY_ASKED_SECONDS = 10
KEEP_SENT = datetime.timedelta(days=1)


def enqueue(task: str, *args, **kwargs) -> PendingTask:
    """Have Celery run the task named ``task`` with ``(*args, **kwargs)`` once the current transaction
    commits, Redis up or not."""
    row = PendingTask.objects.create(task=_registered(task), args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: send_rows([row.pk]))
    return row


def enqueue_relayed(task: str, *args, **kwargs) -> PendingTask:
    """``enqueue`` for a task that may wait a second: the relay hands it over with the others of that second.

    For the writes of a rush (a take's notice): ``enqueue`` costs each commit a
    second transaction and a broker message in the request. Here the row is
    written the same way, in the change's transaction, and its commit only asks
    for a relay, once a second across all processes (a key in the cache): the
    relay runs ``RELAY_DELAY_SECONDS`` later and hands over every row waiting,
    and clears the key as it starts, so a row committed meanwhile asks again.
    If the broker or the cache is down, the row waits for the relay of the
    next minute (beat), like any row: never lost.
    """
    row = PendingTask.objects.create(task=_registered(task), args=list(args), kwargs=kwargs)
    transaction.on_commit(_ask_for_relay)
    return row


def _ask_for_relay() -> None:
    if not cache.add(RELAY_ASKED_KEY, True, timeout=RELAY_ASKED_SECONDS):
        return  # a relay is due already and will see this row
    broker = _broker()
    if not broker.allows():
        return
    try:
        current_app.tasks["dispatch.tasks.relay_pending"].apply_async(countdown=RELAY_DELAY_SECONDS)
    except BrokerUnreachable as error:
        broker.failed(error)
    else:
        broker.succeeded()


_CALLS_SQL = "SELECT calls.args FROM ({select}) AS calls"


def enqueue_select(task: str, *, select: str, params: dict) -> int:
    """``enqueue`` for many calls of one task chosen in SQL: ``select`` yields each call's arguments as a
    JSON array (``core.inserts.json_array_sql``) in a column named ``args``; its rows never reach Python.

    One insert, and one message per chunk of rows on commit: a worker takes each
    chunk (``tasks.send_rows``) and sends its rows' own messages, so the commit of
    tens of thousands returns in a moment and the sending is shared among the
    workers. A chunk the broker refuses waits for the relay, like any row.
    Returns how many.
    """
    ids = [
        pk
        for (pk,) in insert_select(
            PendingTask,
            shared={"task": _registered(task)},
            columns=("args",),
            select=_CALLS_SQL.format(select=select),
            params=params,
            returning=("id",),
        )
    ]
    if ids:
        transaction.on_commit(lambda: _send_in_chunks(ids))
    return len(ids)


def _registered(name: str) -> str:
    """``name`` when a task of that name exists (each app's ready() imports its tasks), else NotRegistered."""
    if name not in current_app.tasks:
        raise NotRegistered(name)
    return name


def send_rows(ids: Sequence[int]) -> int:
    """Hand the rows ``ids`` not yet sent over to Celery now; return how many the broker took."""
    with transaction.atomic():
        return _hand_over(list(_unsent().filter(pk__in=ids).order_by("pk")))


def relay_pending(limit: int = 1000) -> int:
    """Send up to ``limit`` rows not yet sent, oldest first; return how many the broker took.

    A row committed from now on asks for a relay of its own (``enqueue_relayed``).
    """
    cache.delete(RELAY_ASKED_KEY)
    with transaction.atomic():
        return _hand_over(list(_unsent().order_by("pk")[:limit]))


def purge_sent(*, now: datetime.datetime | None = None) -> int:
    """Delete the rows sent over a day ago: long enough to see what went out, and to skip a redelivery."""
    deleted, _ = PendingTask.objects.filter(sent_at__lt=(now or clock.now()) - KEEP_SENT).delete()
    return deleted


def _unsent():
    return PendingTask.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)


def _broker() -> Breaker:
    return breaker_for(f"broker {current_app.conf.broker_url}", name="Celery broker", logger=logger)


def _send_in_chunks(ids: list[int]) -> None:
    chunk_task = current_app.tasks["dispatch.tasks.send_rows"]
    broker = _broker()
    if not broker.allows():
        return
    try:
        with _producer() as producer:
            for start in range(0, len(ids), CHUNK):
                chunk_task.apply_async((ids[start : start + CHUNK],), producer=producer)
    except BrokerUnreachable as error:
        broker.failed(error)


def _hand_over(rows: list[PendingTask]) -> int:
    """Publish ``rows`` (locked by the caller) in order and mark them sent; return how many were sent.

    It stops at the first refusal of the broker and then leaves the broker alone
    for a few seconds: while Redis is down a process pays for it once in a
    while, not on every request.
    """
    broker = _broker()
    if not rows or not broker.allows():
        return 0
    sent: list[int] = []
    row = rows[0]
    try:
        with _producer() as producer:
            for row in rows:
                try:
                    task = current_app.tasks[row.task]
                except NotRegistered as error:  # a task renamed since: keep the row for a person to see
                    _note_failure(row, error)
                    continue
                task.apply_async(row.args, row.kwargs, task_id=row.celery_id, producer=producer)
                sent.append(row.pk)
    except BrokerUnreachable as error:
        broker.failed(error)
        _note_failure(row, error)
    else:
        broker.succeeded()
    PendingTask.objects.filter(pk__in=sent).update(sent_at=clock.now(), attempts=F("attempts") + 1)
    return len(sent)


def _producer():
    """One broker connection for a batch of messages; none when tasks run eagerly (development, tests)."""
    return nullcontext() if current_app.conf.task_always_eager else current_app.producer_or_acquire()


def _note_failure(row: PendingTask, error: Exception) -> None:
    PendingTask.objects.filter(pk=row.pk).update(
        attempts=F("attempts") + 1, last_error=f"{error.__class__.__name__}: {error}"[:1000]
    )
