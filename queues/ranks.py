"""Ranks inside each class kept in Redis sorted sets: the read path that does not grow with the queue.

PostgreSQL stays the truth; Redis is only an accelerator (docs/architecture.md, "Read path"). Each
(queue, class) is one sorted set: the member is the zero-padded application id, the score the
submission time in integer microseconds (exact in a double), so Redis orders a class exactly as the
``queue_entry_order`` index does, equal times by registration order. A rank is ZRANK, a class size
ZCARD, both O(log n).

Every queue has a ``version`` in PostgreSQL, replaced by a random one in the transaction of every
change to its standing (``queues.services``). Redis keeps, next to the sets, the version they
reflect. A change is applied to Redis after its commit only if Redis still holds the version the
change started from; anything else leaves Redis alone, stale. A reader trusts Redis only when
Redis's version equals the one PostgreSQL gives with the entries it loaded; otherwise it counts in
SQL (the reference) and asks for a rebuild. So Redis may be stale, never wrong.

Each class set also holds a sentinel member ``""`` at score ``-inf``: sorted sets cannot be empty in
Redis, and without it an evicted or deleted set would look like an empty class. With it, a missing
set shows as ZCARD 0, the rank of the first real member is 1 (ZRANK counts the sentinel) and a
class's size is ZCARD - 1.

Any Redis error (short timeouts) makes the functions here return ``None`` ("not known"), and
Redis is left alone for ``QUEUE_RANKS_RETRY_AFTER`` seconds, so an outage costs a request no wait.
"""

import datetime
import itertools
import logging
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import redis
from celery import current_app
from django.conf import settings
from django.db import connection, transaction

from core import clock
from core.breaker import Breaker, breaker_for
from core.prepared import Prepared

from . import ordering
from .choices import BenefitClass
from .models import Queue, QueueChange, QueueEntry

logger = logging.getLogger(__name__)

CLASSES = (BenefitClass.OUT_OF_TURN, BenefitClass.FIRST_TURN, BenefitClass.GENERAL)
SENTINEL = ""
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
WRITE_CHUNK = 2000
ABSENT = QueueChange.ABSENT
#: How many of a queue's latest logged moves a reader or a catch-up reads to bridge Redis's lag: first
#: a few (one small index range), and only if they do not link Redis's version to PostgreSQL's, more.
FIRST_WALK = 16
PENDING_WALK = 500

# KEYS: version, class 1, class 2, class 3. ARGV: old version, new version, then (member, class, score)
# triples; class 0 means the member left. Applied only on the old version with all three sets present.
_APPLY = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2], KEYS[3], KEYS[4]) ~= 3 then
  redis.call('DEL', KEYS[1])
  return 0
end
for i = 3, #ARGV, 3 do
  redis.call('ZREM', KEYS[2], ARGV[i])
  redis.call('ZREM', KEYS[3], ARGV[i])
  redis.call('ZREM', KEYS[4], ARGV[i])
  local class = tonumber(ARGV[i + 1])
  if class > 0 then redis.call('ZADD', KEYS[class + 1], ARGV[i + 2], ARGV[i]) end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""

# KEYS: version, class 1..3, then the three filled temporary sets. ARGV: the version they reflect.
_SWAP = """
for k = 2, 4 do
  redis.call('RENAME', KEYS[k + 3], KEYS[k])
  redis.call('PERSIST', KEYS[k])
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""


def member(application_id: int) -> str:
    return f"{application_id:012d}"


def score(submitted_at: datetime.datetime) -> int:
    return (submitted_at - EPOCH) // datetime.timedelta(microseconds=1)


# --- The connection: one pool per URL, and a pause after an error ------------------------------


@lru_cache(maxsize=4)
def _client(url: str, timeout: float) -> redis.Redis:
    """One client per URL: a new ``redis.Redis`` costs twice a command's CPU (``core.cache.ReusedClients``),
    and a client borrows a connection from its pool per command, so any thread may share it."""
    pool = redis.ConnectionPool.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True
    )
    return redis.Redis(connection_pool=pool)


def _breaker() -> Breaker:
    return breaker_for(
        f"ranks {settings.QUEUE_RANKS_REDIS_URL}",
        name="Queue ranks' Redis (positions are counted in PostgreSQL meanwhile)",
        logger=logger,
        pause=settings.QUEUE_RANKS_RETRY_AFTER,
    )


def client() -> redis.Redis | None:
    """The Redis holding the ranks, or None: not configured, or paused after a recent error."""
    url = settings.QUEUE_RANKS_REDIS_URL
    if not url or not _breaker().allows():
        return None
    return _client(url, settings.QUEUE_RANKS_TIMEOUT)


@contextmanager
def _redis():
    """The client, or None; a Redis error inside the block pauses Redis and is swallowed."""
    r = client()
    try:
        yield r
    except redis.RedisError as error:
        _breaker().failed(error)
    else:
        if r is not None:
            _breaker().succeeded()


def _keys(queue_id: int) -> list[str]:
    """Version key and the three class keys; the hash tag keeps a queue's keys in one cluster slot."""
    base = f"{settings.QUEUE_RANKS_KEY_PREFIX}{{{queue_id}}}"
    return [f"{base}:v", *(f"{base}:c{benefit_class}" for benefit_class in CLASSES)]


def _ask_version_and_cards(pipe, keys: list[str]) -> None:
    pipe.get(keys[0])
    for key in keys[1:]:
        pipe.zcard(key)


def _sizes(cards: Sequence[int]) -> ordering.ClassSizes | None:
    """Class sizes from the three ZCARDs, or None when a set (and so its sentinel) is missing."""
    if any(card < 1 for card in cards):
        return None
    return ordering.ClassSizes(*(card - 1 for card in cards))


# --- Reads -------------------------------------------------------------------------------------


def standings(entries: Sequence[QueueEntry]) -> list[ordering.Standing | None]:
    """The standing of each entry from Redis in one round trip; None where Redis cannot be trusted.

    Each entry's ``queue.version`` must come from the query that loaded the entry. Where
    Redis holds another version of the queue, a few changes behind that version or (the
    reader's snapshot being older than a change Redis already applied) ahead of it, its
    ranks are corrected by the changes in between, read from the pending-change log (one
    more small query); None only where the log cannot bridge the gap or the entry itself
    is among the changes.
    """
    found: list[ordering.Standing | None] = [None] * len(entries)
    with _redis() as r:
        if r is None or not entries:
            return found
        pipe = r.pipeline(transaction=True)
        for entry in entries:
            keys = _keys(entry.queue_id)
            _ask_version_and_cards(pipe, keys)
            pipe.zrank(keys[entry.benefit_class], member(entry.application_id))
        replies = pipe.execute()
        for index, entry in enumerate(entries):
            version, *cards, rank = replies[5 * index : 5 * index + 5]
            sizes = _sizes(cards)
            if sizes is None or version is None:
                continue
            if version == str(entry.queue.version):
                if rank:
                    found[index] = ordering.standing(entry.benefit_class, rank, sizes)
                continue
            found[index] = _corrected(entry, int(version), rank, sizes)
    return found


def _corrected(entry: QueueEntry, held: int, rank: int | None, sizes: ordering.ClassSizes):
    """The entry's standing from Redis at version ``held``, moved to the version the entry was read at.

    Each member that moved in between counts where that version has it instead of where Redis has it.
    """
    moves = _moves_between(entry.queue_id, held=held, wanted=entry.queue.version)
    if moves is None or entry.application_id in moves or not rank:
        return None  # beyond the log, or the entry itself moved: Redis has no rank of it to correct
    position = (score(entry.submitted_at), entry.application_id)
    counts = {
        BenefitClass.OUT_OF_TURN: sizes.out_of_turn,
        BenefitClass.FIRST_TURN: sizes.first_turn,
        BenefitClass.GENERAL: sizes.general,
    }
    for application_id, (held_class, wanted_class, submitted_at) in moves.items():
        ahead = (score(submitted_at), application_id) < position
        if held_class != ABSENT:
            counts[held_class] -= 1
            if ahead and held_class == entry.benefit_class:
                rank -= 1
        if wanted_class != ABSENT:
            counts[wanted_class] += 1
            if ahead and wanted_class == entry.benefit_class:
                rank += 1
    return ordering.standing(entry.benefit_class, rank, ordering.ClassSizes(*counts.values()))


Moves = dict[int, tuple[int, int, datetime.datetime]]


def _moves_between(queue_id: int, *, held: int, wanted: int) -> Moves | None:
    """Each member whose class differs between the queue's versions ``held`` (Redis's) and ``wanted``:
    (its class at ``held``, at ``wanted``, its submission time). None where the log does not link them.

    ``wanted`` is usually the later (Redis has not applied the latest commits yet), but a reader's
    snapshot can also be older than a change Redis has already applied; then the changes from
    ``wanted`` to ``held`` are undone instead. Redis at one version plus or minus the changes
    between is exactly the other version's state.
    """
    for steps, complete in _latest_steps(queue_id):
        forward = _chain(steps, since=held, until=wanted)
        if forward is not None:
            return _net_moves(forward)
        backward = _chain(steps, since=wanted, until=held)
        if backward is not None:
            return {member: (last, first, at) for member, (first, last, at) in _net_moves(backward).items()}
        if complete:
            return None
    return None


def _net_moves(steps: list["Step"]) -> Moves:
    """Each member that moved over ``steps``: (its class before the first, after the last, submission)."""
    moves: Moves = {}
    for step in steps:
        for application_id, old_class, new_class, submitted_at in step.moves:
            first = moves.get(application_id, (old_class,))[0]
            moves[application_id] = (first, new_class, submitted_at)
    return moves


@dataclass(frozen=True)
class Step:
    """One committed change of a queue: from ``previous`` to ``version``, with each member's move."""

    previous: int
    version: int
    moves: list[tuple[int, int, int, datetime.datetime]]


def pending_changes(queue_id: int, *, since: int, until: int) -> list[Step] | None:
    """The changes that took the queue from version ``since`` to ``until``, oldest first; None when
    the latest ``PENDING_WALK`` rows of the log do not lead back from ``until`` to ``since``."""
    for steps, complete in _latest_steps(queue_id):
        chain = _chain(steps, since=since, until=until)
        if chain is not None or complete:
            return chain
    return None


def _latest_changes(limit: int) -> Prepared:
    """A queue's latest ``limit`` logged moves, newest first, compiled once a process (a reader's query)."""
    columns = ("previous_version", "version", "application_id", "old_class", "new_class", "submitted_at")
    latest = QueueChange.objects.order_by("-id").values_list(*columns)
    return Prepared(lambda queue_id: latest.filter(queue_id=queue_id)[:limit], queue_id=int)


_LATEST_CHANGES = {limit: _latest_changes(limit) for limit in (FIRST_WALK, PENDING_WALK)}


def _latest_steps(queue_id: int) -> Iterator[tuple[dict[int, Step], bool]]:
    """The queue's latest logged steps by the version they lead to, and whether that is the whole log:
    first from the latest ``FIRST_WALK`` rows (a storm's lag is a change or two), then ``PENDING_WALK``."""
    for limit, latest in _LATEST_CHANGES.items():
        rows = latest.rows(queue_id=queue_id)
        steps: dict[int, Step] = {}
        for previous, version, application_id, old_class, new_class, submitted_at in rows:
            step = steps.setdefault(version, Step(previous=previous, version=version, moves=[]))
            step.moves.append((application_id, old_class, new_class, submitted_at))
        yield steps, len(rows) < limit


def _chain(steps: dict[int, Step], *, since: int, until: int) -> list[Step] | None:
    """The steps from version ``since`` to ``until``, oldest first; None where ``steps`` do not link them."""
    chain, current, seen = [], until, set()
    while current != since:
        step = steps.get(current)
        if step is None or current in seen:  # a cycle of versions cannot loop forever
            return None
        seen.add(current)
        chain.append(step)
        current = step.previous
    return chain[::-1]


def class_sizes(queue_id: int, version: int) -> ordering.ClassSizes | None:
    """The class sizes from Redis if it holds ``version`` (read from PostgreSQL by the caller)."""
    with _redis() as r:
        if r is None:
            return None
        pipe = r.pipeline(transaction=True)
        _ask_version_and_cards(pipe, _keys(queue_id))
        held, *cards = pipe.execute()
        return _sizes(cards) if held == str(version) else None
    return None


@dataclass(frozen=True)
class Page:
    """What Redis says a page holds: the version it reflects, the sizes, and (class, rank, application id)."""

    version: str
    sizes: ordering.ClassSizes
    rows: list[tuple[int, int, int]]


def page(queue_id: int, *, offset: int, limit: int) -> Page | None:
    """The members of positions ``offset + 1 .. offset + limit`` by rank window: two round trips.

    The caller checks ``version`` against PostgreSQL in the query that loads these entries.
    """
    with _redis() as r:
        if r is None:
            return None
        keys = _keys(queue_id)
        pipe = r.pipeline(transaction=True)
        _ask_version_and_cards(pipe, keys)
        version, *cards = pipe.execute()
        sizes = _sizes(cards)
        if version is None or sizes is None:
            return None
        window = ordering.page_window(offset, limit, sizes)
        slices = (
            (BenefitClass.OUT_OF_TURN, window.out_of_turn_from, window.out_of_turn_count),
            (BenefitClass.FIRST_TURN, window.first_turn_from, window.first_turn_count),
            (BenefitClass.GENERAL, window.general_from, window.general_count),
        )
        pipe = r.pipeline(transaction=True)
        pipe.get(keys[0])
        for benefit_class, start, count in slices:
            # Rank r (1-based) of a class sits at index r: index 0 is the sentinel.
            pipe.zrange(keys[benefit_class], start + 1, start + count)
        again, *members = pipe.execute()
        if again != version:
            return None
        rows = [
            (benefit_class, rank, int(name))
            for (benefit_class, start, count), names in zip(slices, members, strict=True)
            for rank, name in enumerate(names, start=start + 1)
        ]
        return Page(version=version, sizes=sizes, rows=rows)
    return None


# --- Writes after commit -----------------------------------------------------------------------


def after_commit(queue_id: int, *, old: int, new: int, changes: Iterable[tuple]):
    """Apply a committed change of one queue to Redis, only if Redis holds its ``old`` version.

    ``changes``: (application id, class before, class after or ``ABSENT`` for left, submission
    time). Called inside the transaction that wrote ``new``; nothing reaches Redis if that
    transaction rolls back. Where Redis is not at ``old`` (another change's update has not
    landed yet, or landed first), Redis catches up from the pending-change log instead.
    """
    if not settings.QUEUE_RANKS_REDIS_URL:
        return
    step = Step(previous=old, version=new, moves=list(changes))
    transaction.on_commit(lambda: _apply(queue_id, [step]) or catch_up(queue_id))


def _apply(queue_id: int, steps: list[Step]) -> bool:
    """Apply ``steps`` in order, each only on the version it starts from; True if the last applied."""
    with _redis() as r:
        if r is None or not steps:
            return False
        script, keys = r.register_script(_APPLY), _keys(queue_id)
        pipe = r.pipeline(transaction=False)
        for step in steps:
            args = [step.previous, step.version]
            for application_id, _old, new_class, submitted_at in step.moves:
                args += [member(application_id), int(new_class), score(submitted_at)]
            script(keys=keys, args=args, client=pipe)
        return bool(pipe.execute()[-1])
    return False


def catch_up(queue_id: int) -> bool:
    """Bring Redis from the version it holds to PostgreSQL's latest by replaying the logged changes.

    Cheaper than a rebuild by far: a few sorted-set updates. False where the log cannot
    bridge the gap (Redis lost its sets, or is further behind than the log is read); the
    next reader then asks for a rebuild.
    """
    held = None
    with _redis() as r:
        if r is None:
            return False
        held = r.get(_keys(queue_id)[0])
    latest = Queue.objects.filter(pk=queue_id).values_list("version", flat=True).first()
    if held is None or latest is None or int(held) == latest:
        return held is not None and latest is not None
    steps = pending_changes(queue_id, since=int(held), until=latest)
    return steps is not None and _apply(queue_id, steps)


# --- Rebuilding from PostgreSQL ----------------------------------------------------------------


def request_rebuild(queue_id: int) -> None:
    """Ask (after commit, once at a time per queue) for the queue's sets to be rebuilt."""
    if settings.QUEUE_RANKS_REDIS_URL:
        # robust: Redis is only an accelerator; a broker that is down must not fail the page that asked.
        transaction.on_commit(lambda: _enqueue_rebuild(queue_id), robust=True)


def _lock_key(queue_id: int) -> str:
    return f"{settings.QUEUE_RANKS_KEY_PREFIX}{{{queue_id}}}:rebuild"


def _enqueue_rebuild(queue_id: int) -> None:
    """Straight to the broker, not the outbox: the lock stands for the task, and a lost one expires."""
    with _redis() as r:
        if r is not None and r.set(_lock_key(queue_id), "1", nx=True, ex=settings.QUEUE_RANKS_REBUILD_LOCK):
            current_app.tasks["queues.tasks.rebuild_queue_ranks"].delay(queue_id)


@contextmanager
def _snapshot():
    """One REPEATABLE READ snapshot (PostgreSQL), so a queue's version and its entries agree.

    Inside a transaction already (a test, an eager task) that transaction's view is used.
    """
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _standing_rows(queue_ids: Iterable[int] | None = None):
    """(queue id, class, submitted at, application id) of standing entries, in index order, streamed."""
    order = ("queue_id", "benefit_class", "submitted_at", "application_id")
    rows = QueueEntry.objects.standing().order_by(*order)
    if queue_ids is not None:
        rows = rows.filter(queue_id__in=list(queue_ids))
    return rows.values_list("queue_id", "benefit_class", "submitted_at", "application_id").iterator(
        chunk_size=WRITE_CHUNK
    )


def _write(r: redis.Redis, queue_id: int, version: int, rows: Iterable[tuple]) -> None:
    """Fill temporary sets from ``rows`` (class, submitted at, application id), then swap them in at once."""
    keys = _keys(queue_id)
    token = secrets.token_hex(6)
    temporary = [f"{key}:tmp:{token}" for key in keys[1:]]
    pipe = r.pipeline(transaction=False)
    for key in temporary:
        pipe.zadd(key, {SENTINEL: "-inf"})
        pipe.expire(key, settings.QUEUE_RANKS_REBUILD_LOCK)
    for index, (benefit_class, submitted_at, application_id) in enumerate(rows, start=1):
        pipe.zadd(temporary[benefit_class - 1], {member(application_id): score(submitted_at)})
        if index % WRITE_CHUNK == 0:
            pipe.execute()
    pipe.execute()
    r.register_script(_SWAP)(keys=[*keys, *temporary], args=[version])


def rebuild_queue(queue_id: int, *, attempts: int = 3) -> bool:
    """Rebuild one queue's sets from a PostgreSQL snapshot. True when Redis ends up at the current version.

    Changes committed while the sets were being written found Redis on another
    version and were not applied; if the queue moved on meanwhile, build again.
    """
    with _redis() as r:
        if r is None:
            return False
        try:
            for _attempt in range(attempts):
                with _snapshot():
                    version = Queue.objects.filter(pk=queue_id).values_list("version", flat=True).first()
                    if version is None:
                        return False
                    _write(r, queue_id, version, (row[1:] for row in _standing_rows([queue_id])))
                current = Queue.objects.filter(pk=queue_id).values_list("version", flat=True).get()
                if current == version:
                    return True
        finally:
            r.delete(_lock_key(queue_id))
    return False


def rebuild_all() -> int:
    """Rebuild every queue from one snapshot (after a Redis loss or a bulk load). Returns how many.

    The standing entries are streamed once in index order and written queue by
    queue; queues without entries get empty sets. Changes committed meanwhile
    leave their queue stale: its next reader asks for a rebuild of that queue.
    """
    with _redis() as r:
        if r is None:
            return 0
        with _snapshot():
            versions = dict(Queue.objects.order_by("pk").values_list("pk", "version"))
            total = len(versions)
            for queue_id, rows in itertools.groupby(_standing_rows(), key=lambda row: row[0]):
                _write(r, queue_id, versions.pop(queue_id), (row[1:] for row in rows))
            for queue_id, version in versions.items():
                _write(r, queue_id, version, ())
        return total
    return 0


def purge_changes(*, batch: int = 10_000) -> int:
    """Delete logged changes older than ``QUEUE_CHANGE_LOG_HOURS``, in batches; returns how many.

    By then every copy has caught up or been rebuilt; a reader that still needs an older row
    counts in SQL and asks for a rebuild, so a purge can cost time, never exactness.
    """
    cutoff = clock.now() - datetime.timedelta(hours=settings.QUEUE_CHANGE_LOG_HOURS)
    deleted = 0
    while True:
        ids = list(QueueChange.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += QueueChange.objects.filter(pk__in=ids).delete()[0]
