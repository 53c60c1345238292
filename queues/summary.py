"""The front page's figures per region, district and settlement, kept by a periodic task (issue 11).

Why here: the figures count queue entries, which ``directory`` must not know
about (DESIGN.md: directory depends on nothing), while ``queues`` may read the
directory's tables. The public pages that show them (``queues.views``) sit
beside them for the same reason.

Why a summary: counting the standing entries of a country on every visit is
what made the old front page cost 0.3-0.7 s at 200,000 applications. Here one
set-based statement counts them every few minutes (``CELERY_BEAT_SCHEDULE``,
"refresh-area-summaries") and upserts one row per area; a page reads a handful
of those rows by key and says how fresh they are (``computed_at``). The
figures are a picture of the queue, never a position: positions stay exact and
come only from ``selectors``.

The statement groups the standing entries of general queues by settlement
(every application stands in exactly one general queue, RULES.md section 2, so
that is the number of children waiting), joins the directory, and rolls the
settlements up into districts and regions with ``UNION ALL`` (SQLite, the
embedded default, has no ``GROUPING SETS``). An area without settlements has no
row, and the pages show it with no figures.
"""

import datetime
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q

from core import clock
from directory.choices import KindergartenKind
from directory.models import District, Kindergarten, Settlement

from .choices import AreaLevel
from .models import AreaSummary, Queue, QueueEntry


def _refresh_sql() -> str:
    quote = connection.ops.quote_name
    entry, queue = quote(QueueEntry._meta.db_table), quote(Queue._meta.db_table)
    settlement, district = quote(Settlement._meta.db_table), quote(District._meta.db_table)
    kindergarten, summary = quote(Kindergarten._meta.db_table), quote(AreaSummary._meta.db_table)
    # Only table names, quoted by the backend, are formatted in; every value is a parameter.
    return f"""
        WITH waiting AS (
            SELECT q.settlement_id, COUNT(*) AS n
            FROM {entry} e JOIN {queue} q ON q.id = e.queue_id
            WHERE e.left_at IS NULL AND q.kind = %(general)s
            GROUP BY q.settlement_id
        ), gardens AS (
            SELECT settlement_id, COUNT(*) AS n FROM {kindergarten} GROUP BY settlement_id
        ), areas AS (
            SELECT s.id, s.district_id, d.region_id,
                   COALESCE(w.n, 0) AS waiting, COALESCE(g.n, 0) AS gardens
            FROM {settlement} s
            JOIN {district} d ON d.id = s.district_id
            LEFT JOIN waiting w ON w.settlement_id = s.id
            LEFT JOIN gardens g ON g.settlement_id = s.id
        )
        INSERT INTO {summary} (level, area_id, children_waiting, kindergartens, computed_at)
        SELECT %(settlement)s, id, waiting, gardens, %(now)s FROM areas
        UNION ALL
        SELECT %(district)s, district_id, SUM(waiting), SUM(gardens), %(now)s FROM areas GROUP BY district_id
        UNION ALL
        SELECT %(region)s, region_id, SUM(waiting), SUM(gardens), %(now)s FROM areas GROUP BY region_id
        ON CONFLICT (level, area_id) DO UPDATE SET
            children_waiting = excluded.children_waiting,
            kindergartens = excluded.kindergartens,
            computed_at = excluded.computed_at
    """  # noqa: S608


def refresh(*, now: datetime.datetime | None = None) -> int:
    """Recount every area's figures in one statement; returns the number of rows written.

    No audit record: nothing a person did changes here, and the rows are
    rebuilt from the audited truth every run. Idempotent, so a late or doubled
    beat does no harm.
    """
    params = {
        "general": KindergartenKind.GENERAL,
        "region": AreaLevel.REGION,
        "district": AreaLevel.DISTRICT,
        "settlement": AreaLevel.SETTLEMENT,
        "now": now or clock.now(),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_refresh_sql(), params)
        written = cursor.rowcount
    _forget_count_token()
    return written


def _forget_count_token() -> None:
    """Forget the token once the count is written: the next front page renders the new figures.

    The beat calls ``refresh`` outside any transaction, so this runs after the
    commit; called inside a caller's transaction, a page rendered before that
    commit may be served for at most ``FRONT_PAGE_SECONDS`` (queues.views).
    """
    _token_seen.clear()
    cache.delete(COUNT_KEY)


COUNT_KEY = "area-summary:count"
#: How long a process trusts the token it last read: a front page then costs one cache round trip, not
#: two, and shows a new count at most this late in other processes (the figures are minutes old anyway).
TOKEN_SECONDS_IN_PROCESS = 2.0
_token_seen: dict[str, tuple[float, str]] = {}


def count_token() -> str:
    """A token that changes with every count of the figures: the state the front pages show.

    ``refresh`` forgets it, and the next reader draws a new one; so does a
    reader after the cache lost it, which costs one render, never a stale page.
    """
    seen = _token_seen.get(COUNT_KEY)
    if seen is not None and seen[0] > time.monotonic():
        return seen[1]
    token = cache.get(COUNT_KEY)
    if token is None:
        cache.add(COUNT_KEY, uuid.uuid4().hex, None)
        token = cache.get(COUNT_KEY)
    _token_seen[COUNT_KEY] = (time.monotonic() + TOKEN_SECONDS_IN_PROCESS, token)
    return token


def figures_of(areas: Iterable[tuple[str, int]]) -> dict[tuple[str, int], AreaSummary]:
    """The summary rows of these (level, id) areas, in one query by the unique key; absent ones left out."""
    ids_by_level = defaultdict(list)
    for level, area_id in areas:
        ids_by_level[level].append(area_id)
    if not ids_by_level:
        return {}
    wanted = Q()
    for level, ids in ids_by_level.items():
        wanted |= Q(level=level, area_id__in=ids)
    return {(row.level, row.area_id): row for row in AreaSummary.objects.filter(wanted)}
