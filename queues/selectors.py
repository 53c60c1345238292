"""Reads of the queue order, written for the database (DESIGN.md, "Where things live").

Every position shown anywhere comes from here, as an entry's rank inside its
class and the sizes of the three classes, combined by the closed form of
``ordering``. Two ways to get those numbers give the same answers:

- from Redis (``ranks``): O(log n) whatever the queue's length, trusted only when
  its copy is at the version PostgreSQL gives for the queue in the same query
  that loads the entries (docs/architecture.md, "Read path");
- the reference, in SQL: counts over the ``queue_entry_order`` index, the
  rank and the sizes in one statement (``reference_*``). Used when
  Redis is absent, down or stale; then a rebuild of that queue's copy is asked for.

A page reads at most ``limit`` rows of each class; nothing here loads a whole queue.

Before answering, every read applies the expiry of any class in its queues that
stopped counting (``services.settle_expired``), found by one probe of the
``queue_entry_benefit_until`` index (folded into the query that loads the
entries where there is one): a benefit valid through a day counts until
midnight Asia/Almaty and not a second longer, whether or not the nightly job
has run (RULES.md section 3; docs/architecture.md, "Expiry at the instant").
"""

import datetime
import functools
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core import clock
from core.prepared import Prepared
from directory.models import Settlement

from . import bulk, estimate, history, ordering, ranks, services
from .choices import BenefitClass
from .models import Queue, QueueEntry, QueueEvent

_standing_classes = Prepared(
    lambda queue_id, application_id: (
        QueueEntry.objects.standing()
        .filter(queue_id=queue_id, application_id=application_id)
        .values_list("benefit_class")
    ),
    queue_id=int,
    application_id=int,
)


def standing_class(queue_id: int, application_id: int) -> int | None:
    """The class in which the application stands in the queue, or None if it does not stand there.

    With its SQL compiled once a process: a take of the rush asks it under the application's lock.
    """
    rows = _standing_classes.rows(queue_id=queue_id, application_id=application_id)
    return rows[0][0] if rows else None


def class_sizes(queue_id: int) -> ordering.ClassSizes:
    """How many entries of each class stand in the queue now."""
    services.settle_expired([queue_id], now=clock.now())
    version = Queue.objects.filter(pk=queue_id).values_list("version", flat=True).first()
    sizes = ranks.class_sizes(queue_id, version) if version is not None else None
    if sizes is None:
        ranks.request_rebuild(queue_id)
        return reference_class_sizes(queue_id)
    return sizes


def reference_class_sizes(queue_id: int) -> ordering.ClassSizes:
    """The reference: one grouped count of the standing entries."""
    counts = dict(
        QueueEntry.objects.standing()
        .filter(queue_id=queue_id)
        .values_list("benefit_class")
        .annotate(n=Count("id"))
        .values_list("benefit_class", "n")
        .order_by()
    )
    return ordering.ClassSizes(
        out_of_turn=counts.get(BenefitClass.OUT_OF_TURN, 0),
        first_turn=counts.get(BenefitClass.FIRST_TURN, 0),
        general=counts.get(BenefitClass.GENERAL, 0),
    )


_STANDING_SQL = """
    SELECT
        COUNT(*) FILTER (
            WHERE benefit_class = %(class)s AND (submitted_at, application_id) < (%(submitted_at)s, %(id)s)
        ),
        COUNT(*) FILTER (WHERE benefit_class = %(out_of_turn)s),
        COUNT(*) FILTER (WHERE benefit_class = %(first_turn)s),
        COUNT(*) FILTER (WHERE benefit_class = %(general)s)
    FROM {table}
    WHERE queue_id = %(queue)s AND left_at IS NULL
"""


def rank_in_class(entry: QueueEntry) -> int:
    """1-based rank of a standing entry inside its class: entries of the class up to and including it."""
    return entry_standing(entry).rank_in_class


def entry_standing(entry: QueueEntry) -> ordering.Standing:
    """Where a standing entry is now. Raises ValueError for an entry that left its queue.

    Load the entry with ``select_related("queue")``: the queue's version must come from the same query.
    """
    return _standings([entry])[0]


def reference_standing(entry: QueueEntry) -> ordering.Standing:
    """The reference: the entry's rank and the class sizes counted by ONE statement, so in one snapshot.

    Counted in two statements, a change committed between them could make a
    rank larger than its class. The rank counts the entries ahead of the
    one loaded; if that entry left or changed class since it was loaded (a
    moment ago, in the caller's query), the answer is where it stood then,
    never an error.
    """
    if not entry.is_standing:
        raise ValueError("an entry that left its queue has no position")
    sql = _STANDING_SQL.format(table=connection.ops.quote_name(QueueEntry._meta.db_table))
    params = {
        "class": entry.benefit_class,
        "submitted_at": connection.ops.adapt_datetimefield_value(entry.submitted_at),
        "id": entry.application_id,
        "out_of_turn": BenefitClass.OUT_OF_TURN,
        "first_turn": BenefitClass.FIRST_TURN,
        "general": BenefitClass.GENERAL,
        "queue": entry.queue_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ahead, *counts = cursor.fetchone()
    rank = ahead + 1
    classes = (BenefitClass.OUT_OF_TURN, BenefitClass.FIRST_TURN, BenefitClass.GENERAL)
    sizes = [
        max(count, rank) if benefit_class == entry.benefit_class else count
        for benefit_class, count in zip(classes, counts, strict=True)
    ]
    return ordering.standing(entry.benefit_class, rank, ordering.ClassSizes(*sizes))


def _standings(entries: list[QueueEntry], *, settled: bool = False) -> list[ordering.Standing]:
    """Each entry's standing: from Redis in one round trip where it is in step, else by the reference.

    ``settled``: the caller has already applied any expiry due in these entries' queues.
    """
    if not all(entry.is_standing for entry in entries):
        raise ValueError("an entry that left its queue has no position")
    if not settled and services.settle_expired({entry.queue_id for entry in entries}, now=clock.now()):
        entries = _reloaded(entries)
    found = ranks.standings(entries)
    for index, entry in enumerate(entries):
        if found[index] is None:
            ranks.request_rebuild(entry.queue_id)
            found[index] = reference_standing(entry)
    return found


def _reloaded(entries: list[QueueEntry]) -> list[QueueEntry]:
    """The same entries read again, with their queues' versions, after an expiry moved some of them."""
    fresh = QueueEntry.objects.select_related("queue").in_bulk([entry.pk for entry in entries])
    return [fresh[entry.pk] for entry in entries]


def expiry_due_sql(entry: str) -> str:
    """Whether the queue of the entry aliased ``entry`` holds a class that stopped counting before the day
    given as the statement's parameter: one probe of the ``queue_entry_benefit_until`` index."""
    return (  # a table name of our models and an alias of the caller's statement; the day a parameter
        f"EXISTS (SELECT 1 FROM {QueueEntry._meta.db_table} due WHERE due.queue_id = {entry}.queue_id"  # noqa: S608
        " AND due.left_at IS NULL AND due.benefit_until < %s)"
    )


def _with_expiry_due(entries, today):
    """``entries`` annotated with whether their queue holds a class that stopped counting before ``today``."""
    probe = expiry_due_sql(QueueEntry._meta.db_table)  # table names of our models; the day a parameter
    return entries.annotate(expiry_due=RawSQL(probe, [today]))  # noqa: S611


@dataclass(frozen=True)
class QueuePosition:
    entry: QueueEntry
    standing: ordering.Standing


def settled_entries(entries: QuerySet[QueueEntry]) -> list[QueueEntry]:
    """``entries`` (standing, with ``select_related("queue")``) loaded after any expiry due in their
    queues is applied: what a caller keys a cache by must not count an expired benefit (issue 15).

    The probe for a due expiry is folded into the query; only when one is due do
    the expiry and a second load follow.
    """
    now = clock.now()
    loaded = list(_with_expiry_due(entries, timezone.localdate(now)))
    due = {entry.queue_id for entry in loaded if entry.expiry_due}
    if due and services.settle_expired(due, now=now):
        loaded = list(entries)
    return loaded


def positions_of_entries(entries: list[QueueEntry]) -> list[QueuePosition]:
    """The positions of entries from ``settled_entries``, in their order.

    For a caller that needs the entries' queue versions before the positions (a
    page cached by those versions, the public check).
    """
    return [
        QueuePosition(entry=entry, standing=standing)
        for entry, standing in zip(entries, _standings(entries, settled=True), strict=True)
    ]


def positions_of_application(application_id: int) -> list[QueuePosition]:
    """Every queue the application stands in, with its standing there (portal, admin, API, notifications)."""
    return positions_of_applications([application_id]).get(application_id, [])


def positions_of_applications(application_ids: Iterable[int]) -> dict[int, list[QueuePosition]]:
    """The positions of several applications at once, by application id (a parent's cabinet).

    One query finds the entries with their queues' versions; one Redis round trip
    gives every standing (two indexed counts each where Redis is not in step), so
    the cost grows with the queues the applications stand in, not with a queue's length.
    """
    ids = list(application_ids)
    now = clock.now()
    entries = _standing_entries(ids, today=timezone.localdate(now))
    due = {entry.queue_id for entry in entries if entry.expiry_due}
    if due and services.settle_expired(due, now=now):
        entries = _standing_entries(ids, today=timezone.localdate(now))
    positions: dict[int, list[QueuePosition]] = defaultdict(list)
    for position in positions_of_entries(entries):
        positions[position.entry.application_id].append(position)
    return dict(positions)


class _Row:
    """An entry with its queue and the queue's settlement, read as one row by a statement written once.

    Every position shown to a parent, an operator or a service starts with this
    read (issue 11: a look-up's p99 under 2 ms). Built by the ORM, the same query
    cost more in compiling the statement and instantiating through ``select_related``
    than in PostgreSQL; here the columns come from the models' own fields, and each
    value passes the converters the ORM would apply (none on PostgreSQL; dates and
    times on the embedded SQLite), so the rows are the model instances the ORM makes.
    """

    MODELS = (QueueEntry, Queue, Settlement)
    ALIASES = ("entry", "queue", "settlement")

    def __init__(self) -> None:
        self.fields = [[field.attname for field in model._meta.concrete_fields] for model in self.MODELS]
        columns = [
            field.get_col(alias)
            for alias, model in zip(self.ALIASES, self.MODELS, strict=True)
            for field in model._meta.concrete_fields
        ]
        self.converters = [
            (index, column, converters)
            for index, column in enumerate(columns)
            if (converters := connection.ops.get_db_converters(column) + column.get_db_converters(connection))
        ]
        entry_table = QueueEntry._meta.db_table
        expiry_due = expiry_due_sql("entry")
        selected = ", ".join(f'{column.alias}."{column.target.column}"' for column in columns)
        self.sql = (
            # Names of our models' tables and columns only; every value is a parameter.
            f"SELECT {selected}, {expiry_due} FROM {entry_table} entry"  # noqa: S608
            f" JOIN {Queue._meta.db_table} queue ON queue.id = entry.queue_id"
            f" JOIN {Settlement._meta.db_table} settlement ON settlement.id = queue.settlement_id"
            " WHERE entry.application_id IN ({ids}) AND entry.left_at IS NULL"
            " ORDER BY entry.application_id, queue.kind"
        )
        # The same rows from the function of migration 0007, which PostgreSQL plans once a session.
        fields = ", ".join(f'(found.{column.alias})."{column.target.column}"' for column in columns)
        self.function_sql = (
            f"SELECT {fields}, found.expiry_due FROM queue_entries_of(%s::bigint[], %s::date) found"  # noqa: S608
            ' ORDER BY (found.entry)."application_id", (found.queue)."kind"'
        )

    def entries(self, application_ids: list[int], *, today) -> list[QueueEntry]:
        if not application_ids:
            return []
        if connection.vendor == "postgresql":
            sql, params = self.function_sql, [application_ids, today]
        else:
            ids = ", ".join(["%s"] * len(application_ids))
            sql, params = self.sql.format(ids=ids), [today, *application_ids]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [self._entry(self._converted(row)) for row in cursor.fetchall()]

    def _converted(self, row: tuple) -> tuple:
        if not self.converters:
            return row
        values = list(row)
        for index, column, converters in self.converters:
            for converter in converters:
                values[index] = converter(values[index], column, connection)
        return tuple(values)

    def _entry(self, row: tuple) -> QueueEntry:
        values, start = [], 0
        for fields in self.fields:
            values.append(row[start : start + len(fields)])
            start += len(fields)
        entry, queue, settlement = (
            model.from_db(connection.alias, fields, value)
            for model, fields, value in zip(self.MODELS, self.fields, values, strict=True)
        )
        Queue.settlement.field.set_cached_value(queue, settlement)
        QueueEntry.queue.field.set_cached_value(entry, queue)
        entry.expiry_due = bool(row[-1])
        return entry


@functools.cache  # made at the first read, once the apps (and so the models' fields) are loaded
def _row_reader() -> _Row:
    return _Row()


def _standing_entries(application_ids: list[int], *, today) -> list[QueueEntry]:
    """The applications' standing entries with their queues and settlements, each with ``expiry_due``."""
    return _row_reader().entries(application_ids, today=today)


@dataclass(frozen=True)
class PageRow:
    position: int
    entry: QueueEntry


def _class_slice(queue_id: int, benefit_class: int, start: int, count: int) -> list[QueueEntry]:
    if count <= 0:
        return []
    rows = (
        QueueEntry.objects.standing()
        .filter(queue_id=queue_id, benefit_class=benefit_class)
        .order_by("submitted_at", "application_id")
    )
    return list(rows[start : start + count])


def queue_page(queue: Queue, *, offset: int, limit: int) -> list[PageRow]:
    """Positions ``offset + 1 .. offset + limit`` of a queue, in order.

    From Redis: the members by rank window, then one query for those entries with
    the queue's version, which must be the one Redis reflects. Else the reference.
    """
    services.settle_expired([queue.pk], now=clock.now())
    rows = _page_from_ranks(queue.pk, offset=offset, limit=limit)
    if rows is None:
        ranks.request_rebuild(queue.pk)
        return reference_page(queue, offset=offset, limit=limit)
    return rows


def _page_from_ranks(queue_id: int, *, offset: int, limit: int) -> list[PageRow] | None:
    found = ranks.page(queue_id, offset=offset, limit=limit)
    if found is None:
        return None
    ids = [application_id for _class, _rank, application_id in found.rows]
    if ids:
        entries = {
            entry.application_id: entry
            for entry in QueueEntry.objects.standing()
            .filter(queue_id=queue_id, application_id__in=ids)
            .select_related("queue")
        }
        versions = {str(entry.queue.version) for entry in entries.values()}
    else:
        entries = {}
        versions = {str(v) for v in Queue.objects.filter(pk=queue_id).values_list("version", flat=True)}
    if versions != {found.version} or len(entries) != len(ids):
        return None
    rows = []
    for benefit_class, rank, application_id in found.rows:
        entry = entries[application_id]
        if entry.benefit_class != benefit_class:
            return None
        position = ordering.standing(benefit_class, rank, found.sizes).position
        rows.append(PageRow(position=position, entry=entry))
    rows.sort(key=lambda row: row.position)
    return rows


def reference_page(queue: Queue, *, offset: int, limit: int) -> list[PageRow]:
    """The reference: a grouped count, then at most ``limit`` rows of each class by index range."""
    sizes = reference_class_sizes(queue.pk)
    window = ordering.page_window(offset, limit, sizes)
    rows = []
    for benefit_class, start, count in (
        (BenefitClass.OUT_OF_TURN, window.out_of_turn_from, window.out_of_turn_count),
        (BenefitClass.FIRST_TURN, window.first_turn_from, window.first_turn_count),
        (BenefitClass.GENERAL, window.general_from, window.general_count),
    ):
        for rank, entry in enumerate(_class_slice(queue.pk, benefit_class, start, count), start=start + 1):
            rows.append(PageRow(position=ordering.standing(benefit_class, rank, sizes).position, entry=entry))
    rows.sort(key=lambda row: row.position)
    return rows


#: Per entry and class: its standing entries, and those ahead of it by its order key. A lateral subquery
#: per entry, grouped by class, makes two counts a row where six filtered counts over a join made six:
#: at the back of a 31,000-child queue, a third of the time in PostgreSQL (issue 12's history page).
_ANCHORS_SQL = """
    SELECT v.n, c.benefit_class, c.size, c.ahead, (SELECT MAX(id) FROM {events} WHERE queue_id = v.queue)
    FROM (VALUES {values}) AS v(n, queue, at, app)
    LEFT JOIN LATERAL (
        SELECT benefit_class, COUNT(*) AS size,
            COUNT(*) FILTER (WHERE (submitted_at, application_id) < (v.at, v.app)) AS ahead
        FROM {entries}
        WHERE queue_id = v.queue AND left_at IS NULL
        GROUP BY benefit_class
    ) AS c ON TRUE
    ORDER BY v.n
"""


def history_anchors(entries: list[QueueEntry]) -> list[history.Anchor]:
    """Where each entry stands now, for a history to walk back from: ONE statement, so one snapshot.

    For each: the standing entries ahead of it in each class (by its order key,
    whether or not it still stands), the sizes of the classes, and the id of
    its queue's last event, so that the events read after are exactly those
    this count had seen.
    """
    rows = _anchor_rows(entries) if connection.vendor == "postgresql" else _anchor_rows_counted(entries)
    ahead = [dict.fromkeys(history.CLASSES, 0) for _ in entries]
    sizes = [dict.fromkeys(history.CLASSES, 0) for _ in entries]
    last_event_ids = [None] * len(entries)
    for n, benefit_class, size, count, last_event_id in rows:
        last_event_ids[n] = last_event_id
        if benefit_class is not None:  # None: nobody stands in the queue
            sizes[n][benefit_class], ahead[n][benefit_class] = size, count
    return [
        history.Anchor(ahead=counts, sizes=totals, last_event_id=last)
        for counts, totals, last in zip(ahead, sizes, last_event_ids, strict=True)
    ]


def _anchor_rows(entries: list[QueueEntry]) -> list[tuple]:
    """(n, class, size, ahead, the queue's last event id) per entry and class standing in its queue."""
    sql = _ANCHORS_SQL.format(
        entries=connection.ops.quote_name(QueueEntry._meta.db_table),
        events=connection.ops.quote_name(QueueEvent._meta.db_table),
        values=", ".join(["(%s, %s, %s::timestamptz, %s::bigint)"] * len(entries)),
    )
    params = []
    for n, entry in enumerate(entries):
        params += [n, entry.queue_id, entry.submitted_at, entry.application_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _anchor_rows_counted(entries: list[QueueEntry]) -> list[tuple]:
    """``_anchor_rows`` through the ORM, an entry at a time in one transaction (one snapshot): the
    embedded default's SQLite (``make run``) has neither ``LATERAL`` nor PostgreSQL's casts."""
    rows = []
    with transaction.atomic():
        for n, entry in enumerate(entries):
            last = QueueEvent.objects.filter(queue_id=entry.queue_id).aggregate(last=Max("id"))["last"]
            ahead = Q(submitted_at__lt=entry.submitted_at) | Q(
                submitted_at=entry.submitted_at, application_id__lt=entry.application_id
            )
            classes = (
                QueueEntry.objects.filter(queue_id=entry.queue_id, left_at__isnull=True)
                .values("benefit_class")
                .annotate(size=Count("pk"), ahead=Count("pk", filter=ahead))
                .order_by()
            )
            found = [(n, row["benefit_class"], row["size"], row["ahead"], last) for row in classes]
            rows += found or [(n, None, None, None, last)]
    return rows


def position_histories(
    entries: list[QueueEntry], *, since: list[datetime.datetime] | None = None
) -> list[list[history.Step]]:
    """How each entry's position moved and why, oldest first: two statements, however many entries.

    ``entries`` come from ``settled_entries`` (or ``position_history``): any expiry
    due is applied, so each history ends where ``positions_of_application`` stands
    now. The events are each entry's queue's since it joined, one range of the
    ``queue_event_since`` index per entry; an entry that left keeps its history.
    ``since`` (one moment per entry) reads only the events from then on, for a
    caller that needs only the latest part (the weekly notices of moves): the
    walk back from now is exact however early it stops.
    """
    if not entries:
        return []
    anchors = history_anchors(entries)
    starts = [entry.joined_at - history.JOIN_MARGIN for entry in entries]
    if since is not None:
        starts = [max(start, moment) for start, moment in zip(starts, since, strict=True)]
    read = {
        n: list(rows) for n, rows in groupby(_events_for(entries, anchors, starts), key=itemgetter(_ENTRY))
    }
    return [
        history.replay(
            application_id=entry.application_id,
            benefit_class=entry.benefit_class if entry.is_standing else None,
            anchor=anchor,
            events=read.get(n, []),
        )
        for n, (entry, anchor) in enumerate(zip(entries, anchors, strict=True))
    ]


#: The columns of ``history.EventRow``, in its order; the rows come by entry, then newest first.
_EVENTS_SQL = """
    SELECT application_id, cause, old_class, new_class,
        submitted_at < %s OR (submitted_at = %s AND application_id < %s),
        at, {n:d}, id
    FROM {events}
    WHERE queue_id = %s AND at >= %s AND id <= %s
"""
_ENTRY = history.EventRow._fields.index("entry")
_AT = history.EventRow._fields.index("at")


def _events_for(
    entries: list[QueueEntry], anchors: list[history.Anchor], starts: list[datetime.datetime]
) -> list[tuple]:
    """Each entry's events (``history.EventRow``), by entry and newest first: ONE statement for all.

    The database says whether an event's entry stands ahead of this one by the
    order key, so each entry reads its own range of its queue's events (two
    entries of one queue read theirs twice: the page, the short histories and
    the notices read one entry per queue, or a week's events). Written by hand
    for PostgreSQL, as the anchors' statement: through the ORM, converting each of
    a year's rows cost more than replaying it.
    """
    table = connection.ops.quote_name(QueueEvent._meta.db_table)
    reads, params = [], []
    for n, (entry, anchor, start) in enumerate(zip(entries, anchors, starts, strict=True)):
        if anchor.last_event_id is None:
            continue
        submitted_at = connection.ops.adapt_datetimefield_value(entry.submitted_at)
        reads.append(_EVENTS_SQL.format(n=n, events=table))
        params += [submitted_at, submitted_at, entry.application_id, entry.queue_id]
        params += [connection.ops.adapt_datetimefield_value(start), anchor.last_event_id]
    if not reads:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(reads) + " ORDER BY 7, 8 DESC", params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return rows
    # SQLite (``make run``) hands a hand-written statement's moments back naive: read them as the ORM does.
    aware = connection.ops.convert_datetimefield_value
    return [(*row[:_AT], aware(row[_AT], None, connection), *row[_AT + 1 :]) for row in rows]


def position_history(entry: QueueEntry) -> list[history.Step]:
    """One entry's history (``position_histories``), after applying any expiry due in its queue."""
    services.settle_expired([entry.queue_id], now=clock.now())
    entry.refresh_from_db(fields=["benefit_class", "left_at"])
    return position_histories([entry])[0]


def positions_in_settlement_sql(settlement_id: int) -> tuple[str, list]:
    """SQL and parameters of ``(queue_id, application_id, benefit_class, position)`` for every standing
    entry of the settlement's queues, for a caller to join and stream (the daily open data, issue 13).

    Applies any expiry due in those queues first, as every read here does, so
    the positions are those a parent would see at this moment.
    """
    queue_ids = list(Queue.objects.filter(settlement_id=settlement_id).values_list("pk", flat=True))
    services.settle_expired(queue_ids, now=clock.now())
    return bulk.all_positions_sql(queues="%s"), [queue_ids]


def positions_in_queue_sql(queue_id: int) -> tuple[str, list]:
    """SQL and parameters of ``(queue_id, application_id, benefit_class, position)`` for every standing
    entry of one queue, for a caller to join and stream (a staff export, issue 14).

    The same statement as ``positions_in_settlement_sql``, after applying any expiry due in the queue.
    """
    services.settle_expired([queue_id], now=clock.now())
    return bulk.all_positions_sql(queues="%s"), [[queue_id]]


#: How long a queue's recorded months and an entry's estimate are kept: they change with the day.
ESTIMATE_CACHE_SECONDS = 24 * 60 * 60


def queue_flows(sizes_by_queue: dict[int, ordering.ClassSizes]) -> dict[int, estimate.Flows]:
    """Each queue's last 12 months as the estimate reads them (``estimate.monthly_flows``), once a day.

    For the queues not yet in the cache today (Asia/Almaty): two statements in all,
    however many queues: each queue's first event (its ``queue_event_since`` index)
    and the events of the last 12 months (one range of it per queue).
    """
    now = clock.now()
    day = timezone.localdate(now).isoformat()
    keys = {queue_id: f"wait-flows:{queue_id}:{day}" for queue_id in sizes_by_queue}
    cached = cache.get_many(list(keys.values()))
    found = {queue_id: cached[key] for queue_id, key in keys.items() if key in cached}
    missing = [queue_id for queue_id in sizes_by_queue if queue_id not in found]
    if not missing:
        return found
    events = QueueEvent.objects.filter(queue_id__in=missing)
    firsts = dict(
        events.values("queue_id").annotate(first=Min("at")).values_list("queue_id", "first").order_by()
    )
    facts = defaultdict(list)
    rows = events.filter(at__gte=now - estimate.WINDOW_MONTHS * estimate.MONTH, at__lte=now).values_list(
        "queue_id", "cause", "old_class", "new_class", "submitted_at", "at"
    )
    for queue_id, *row in rows:
        facts[queue_id].append(estimate.EventFact(*row))
    fresh = {
        queue_id: estimate.monthly_flows(
            facts[queue_id], sizes_now=sizes_by_queue[queue_id], now=now, first_event_at=firsts.get(queue_id)
        )
        for queue_id in missing
    }
    cache.set_many({keys[queue_id]: flows for queue_id, flows in fresh.items()}, ESTIMATE_CACHE_SECONDS)
    return found | fresh


#: How many queues' simulated futures a process keeps (``queue_futures``), about 0.7 MB each.
FUTURES_KEPT = 32
_futures_kept: OrderedDict[tuple[int, str], estimate.Futures] = OrderedDict()


def queue_futures(sizes_by_queue: dict[int, ordering.ClassSizes]) -> dict[int, estimate.Futures]:
    """Each queue's simulated futures (``estimate.simulate``), once a day, read by every entry in it.

    Kept in this process's memory, not the shared cache: at thousands of queues
    their 0.7-1 MB each would fill it, and they are a pure function of what the
    shared cache holds (the queue's months and sizes of the day, ``queue_flows``)
    and a seed of the queue and the day, so every process computes the same. A
    kept one is used only if it was simulated from the very months read now.
    """
    day = timezone.localdate(clock.now())
    found = {}
    for queue_id, flows in queue_flows(sizes_by_queue).items():
        key = (queue_id, day.isoformat())
        futures = _futures_kept.pop(key, None)
        if futures is None or futures.flows != flows:
            futures = estimate.simulate(flows, seed=queue_id * 100_003 + day.toordinal())
        found[queue_id] = _futures_kept[key] = futures
        while len(_futures_kept) > FUTURES_KEPT:
            _futures_kept.popitem(last=False)
    return found


def wait_estimates(positions: list[QueuePosition]) -> list[estimate.Estimate]:
    """For each position (``positions_of_*``), when access is likely to open (``estimate``), once a day.

    Read from the queue's futures of the day (``queue_futures``), so a page shown
    twice says the same; the answer is kept for the day under the entry's class
    and rank and the queue's size. At most three statements however many
    positions (``queue_flows``), none once cached.
    """
    now = clock.now()
    today = timezone.localdate(now)
    keys = [
        f"wait-estimate:{p.entry.queue_id}:{p.entry.application_id}:{today.isoformat()}"
        f":{p.standing.benefit_class}:{p.standing.rank_in_class}:{p.standing.sizes.total}"
        for p in positions
    ]
    cached = cache.get_many(keys)
    missing = [p for p, key in zip(positions, keys, strict=True) if key not in cached]
    futures = queue_futures({p.entry.queue_id: p.standing.sizes for p in missing}) if missing else {}
    found = []
    for position, key in zip(positions, keys, strict=True):
        if key in cached:
            found.append(cached[key])
            continue
        entry, standing = position.entry, position.standing
        result = estimate.estimate(
            futures[entry.queue_id],
            benefit_class=standing.benefit_class,
            rank_in_class=standing.rank_in_class,
            waited_days=(now - entry.submitted_at).total_seconds() / estimate.DAY_SECONDS,
        )
        cache.set(key, result, ESTIMATE_CACHE_SECONDS)
        found.append(result)
    return found
