"""The public, tamper-evident log of openings: appending to the chain, and checking it (issue 13).

Queue systems lose trust when nobody outside can see how places were given.
Every time places open in a queue, one ``Opening`` is appended, in the same
transaction as what it records, so the log never says more or less than what
happened. Each entry's ``hash`` is the SHA-256 of its canonical JSON (keys
sorted, no spaces, ASCII), which holds the hash of the entry before it: change
one stored entry, even in SQL, and its own hash no longer matches, or, if the
hash was rewritten too, the next entry's ``previous`` no longer does. The head
is shown on the front page each day, so rewriting the whole tail shows too.
docs/open-data.md explains how anyone recomputes the chain from the JSON feed.
"""

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection

from core.pagecache import reaches_every_process, token, tokens_changed

from .choices import OpeningKind
from .models import Opening

#: The ``previous`` of the first entry.
GENESIS = "0" * 64
#: The advisory lock that makes appending one at a time (a space of its own: see ``placements.gate``).
CHAIN_LOCK = 0x6B7A_0C4E
#: The log's head is kept in the cache beside a token (``core.pagecache.token``) that every append
#: deletes on its commit, as is the page of the log (``views.opening_list``): a reader that read the
#: old head just before an append committed can keep it, but only beside a token already gone.
STATE_KEY = "openings:state"
HEAD_KEY = "openings:head"


@dataclass(frozen=True)
class NewOpening:
    kind: str
    bulletin_id: int
    queue_id: int
    places: int
    #: (application number, position held) in queue order.
    accesses: list[tuple[str, int]] = field(default_factory=list)


def payload(opening: Opening) -> dict:
    """What the hash covers, as the JSON feed publishes it."""
    return {
        "seq": opening.seq,
        "at": opening.at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "kind": opening.kind,
        "bulletin": opening.bulletin_id,
        "queue": opening.queue_id,
        "places": opening.places,
        "accesses": [[str(number), int(position)] for number, position in opening.accesses],
        "previous": opening.previous,
    }


def canonical(entry: dict) -> bytes:
    """The bytes that are hashed: what ``jq -cSj .`` prints for the same object."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def digest(entry: dict) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def append(new: Iterable[NewOpening], *, at: datetime.datetime) -> list[Opening]:
    """Append ``new`` to the chain, in order, in the caller's transaction.

    The chain's lock is held to the commit, so two appenders never both take
    the same head for their ``previous``.
    """
    new = list(new)
    if not new:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("openings are appended in the transaction of what they record")
    _lock_chain()
    seq, previous = Opening.objects.order_by("-seq").values_list("seq", "hash").first() or (0, GENESIS)
    entries = []
    for item in new:
        seq += 1
        entry = Opening(
            seq=seq,
            at=at,
            kind=item.kind,
            bulletin_id=item.bulletin_id,
            queue_id=item.queue_id,
            places=item.places,
            accesses=[[number, position] for number, position in item.accesses],
            previous=previous,
        )
        entry.hash = previous = digest(payload(entry))
        entries.append(entry)
    Opening.objects.bulk_create(entries)
    tokens_changed(STATE_KEY)
    return entries


def log_publication(
    *, gained: dict[tuple[int, int], int], picks: Iterable[tuple[int, int, str, int]], at: datetime.datetime
) -> list[Opening]:
    """One entry per (bulletin, queue) that gained places and has none yet (a rerun adds nothing).

    ``gained`` maps (bulletin id, queue id) to the places; ``picks`` are
    (bulletin id, queue id, application number, position held) of the accesses
    this run opened, in queue order; a queue where nobody could get access is
    logged too, with its places and no numbers.
    """
    logged = set(
        Opening.objects.filter(
            kind=OpeningKind.PUBLISHED,
            bulletin_id__in={bulletin_id for bulletin_id, _queue in gained},
            queue_id__in={queue_id for _bulletin, queue_id in gained},
        ).values_list("bulletin_id", "queue_id")
    )
    given = defaultdict(list)
    for bulletin_id, queue_id, number, position in picks:
        given[bulletin_id, queue_id].append((number, position))
    return append(
        (
            NewOpening(OpeningKind.PUBLISHED, bulletin_id, queue_id, places, given[bulletin_id, queue_id])
            for (bulletin_id, queue_id), places in sorted(gained.items())
            if (bulletin_id, queue_id) not in logged
        ),
        at=at,
    )


def head() -> dict | None:
    """The last entry's number, hash and time (None while the log is empty), for the front page.

    Read with its token in one round trip; read from the database where the
    cache holds no head beside the token (after an append), or while Redis is
    unreachable (an append in another process cannot reach this one's memory).
    """
    if not reaches_every_process():
        return _last()
    found = cache.get_many([STATE_KEY, HEAD_KEY])
    kept = found.get(HEAD_KEY)
    if STATE_KEY in found and kept is not None and kept[0] == found[STATE_KEY]:
        return kept[1]
    beside = found.get(STATE_KEY) or token(STATE_KEY)
    last = _last()
    cache.set(HEAD_KEY, (beside, last), None)
    return last


def _last() -> dict | None:
    return Opening.objects.order_by("-seq").values("seq", "hash", "at").first()


def verify(entries: Iterable[Opening] | None = None) -> int | None:
    """The ``seq`` of the first entry that does not hold, or None when the whole chain holds.

    An entry holds when it follows the one before it (``seq`` one more,
    ``previous`` its hash) and its hash is the digest of its own payload.
    """
    expected_seq, previous = 1, GENESIS
    for entry in entries if entries is not None else _all_in_order():
        if entry.seq != expected_seq or entry.previous != previous or entry.hash != digest(payload(entry)):
            return entry.seq
        expected_seq, previous = entry.seq + 1, entry.hash
    return None


def _all_in_order() -> Iterator[Opening]:
    return Opening.objects.order_by("seq").iterator(chunk_size=2000)


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
