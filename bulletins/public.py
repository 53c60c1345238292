"""Reads of the public bulletin pages (issue 13): published bulletins and their places, nothing personal.

A page shows a page of bulletins (newest first) with their places; its cache
key (``page_state``) is read in one statement over those bulletins only: their
ids and windows, their places' counters and the places given back to them.
Those only ever grow, and a window only ever ends, so the key changes whenever
anything the page shows changes, and the cached page is exact.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet, Sum

from directory.models import Settlement

from .choices import BulletinStatus, OpeningKind
from .models import Bulletin, BulletinPlace, Opening

PAGE_SIZE = 10


def published() -> QuerySet:
    """Published bulletins, newest first."""
    return (
        Bulletin.objects.filter(status=BulletinStatus.PUBLISHED)
        .select_related("district__region")
        .order_by("-published_at", "-pk")
    )


def published_in(settlement) -> QuerySet:
    """Published bulletins with places in the settlement's queues, newest first."""
    here = BulletinPlace.objects.filter(bulletin=OuterRef("pk"), queue__settlement=settlement)
    return published().filter(district_id=settlement.district_id).filter(Exists(here))


def page_of(bulletins: QuerySet, number: int) -> Page:
    return Paginator(bulletins, PAGE_SIZE).get_page(number)


def _places_of(bulletins, settlement=None) -> QuerySet:
    places = BulletinPlace.objects.filter(bulletin__in=bulletins)
    if settlement is not None:
        places = places.filter(queue__settlement=settlement)
    return places


@dataclass(frozen=True)
class PageState:
    """Which page of bulletins a request will see, and all that page shows can change with."""

    number: int
    key: tuple


#: A page of published bulletins (the country's, or a settlement's) with the counters of their places
#: there, and how many bulletins there are in all: one statement, written once, for every request.
#: Taken places only grow but for a place given back, and every place given back is logged as an
#: opening of its bulletin (``services.return_place``): with that count, any place taken, withdrawn or
#: given back changes a bulletin's row, even where a take and a return would leave the sums as they were.
_PAGE_STATE_SQL = """
    WITH offered AS (
        SELECT bulletin.id, bulletin.published_at, bulletin.priority_until FROM {bulletin} bulletin
        WHERE bulletin.status = %(published)s{in_settlement}
    ), shown AS (
        SELECT * FROM offered ORDER BY published_at DESC, id DESC LIMIT %(size)s OFFSET %(offset)s
    )
    SELECT (SELECT COUNT(*) FROM offered), shown.id, shown.priority_until <= %(now)s,
        COUNT(place.id), COALESCE(SUM(place.taken), 0), COALESCE(SUM(place.withdrawn), 0),
        (SELECT COUNT(*) FROM {opening} returned WHERE returned.bulletin_id = shown.id
            AND returned.kind = %(returned)s)
    FROM shown LEFT JOIN {place} place ON place.bulletin_id = shown.id{place_in_settlement}
    GROUP BY shown.id, shown.published_at, shown.priority_until
    ORDER BY shown.published_at DESC, shown.id DESC
"""
_IN_SETTLEMENT = (
    " AND bulletin.district_id = %(district)s AND EXISTS (SELECT 1 FROM {place} here"
    " JOIN {queue} queue ON queue.id = here.queue_id"
    " WHERE here.bulletin_id = bulletin.id AND queue.settlement_id = %(settlement)s)"
)
_PLACE_IN_SETTLEMENT = " AND place.queue_id IN (SELECT id FROM {queue} WHERE settlement_id = %(settlement)s)"


def page_state(number: int, *, settlement=None, now: datetime.datetime) -> PageState:
    """The page ``page_of`` will show for ``number`` (``published`` or ``published_in(settlement)``),
    with its bulletins, their windows ended and their places' counters, and the number of bulletins.

    Read on every request, whether or not the page is then served from the
    cache: so in one statement, never compiled by the ORM (``core.rows``). A
    number past the last page costs a second one, for the last page.
    """
    rows = _page_state_rows(number, settlement=settlement, now=now)
    if not rows and number > 1:
        count = (published_in(settlement) if settlement is not None else published()).count()
        number = max(1, -(-count // PAGE_SIZE))
        rows = _page_state_rows(number, settlement=settlement, now=now)
    total = rows[0][0] if rows else 0
    return PageState(number=number, key=(total, *(row[1:] for row in rows)))


def _page_state_rows(number: int, *, settlement, now: datetime.datetime) -> list[tuple]:
    names = {
        "bulletin": Bulletin._meta.db_table,
        "place": BulletinPlace._meta.db_table,
        "opening": Opening._meta.db_table,
        "queue": BulletinPlace.queue.field.related_model._meta.db_table,
    }
    here = settlement is not None
    sql = _PAGE_STATE_SQL.format(
        in_settlement=_IN_SETTLEMENT.format(**names) if here else "",
        place_in_settlement=_PLACE_IN_SETTLEMENT.format(**names) if here else "",
        **names,
    )
    params = {
        "published": BulletinStatus.PUBLISHED,
        "returned": OpeningKind.RETURNED,
        "size": PAGE_SIZE,
        "offset": (number - 1) * PAGE_SIZE,
        "now": connection.ops.adapt_datetimefield_value(now),
        "district": settlement.district_id if here else None,
        "settlement": settlement.pk if here else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def latest_ids() -> list[int]:
    """The ids of the latest page of published bulletins, newest first: one statement, never compiled."""
    sql = (
        f"SELECT id FROM {Bulletin._meta.db_table} WHERE status = %s"  # noqa: S608 - our table's name
        " ORDER BY published_at DESC, id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [BulletinStatus.PUBLISHED, PAGE_SIZE])
        return [row[0] for row in cursor.fetchall()]


def places_by_bulletin(bulletins, *, settlement=None) -> dict[int, list]:
    """Each bulletin's places (in ``settlement`` only, if given), by kindergarten and group: one query."""
    places = (
        _places_of([bulletin.pk for bulletin in bulletins], settlement)
        .select_related("group__kindergarten__settlement", "queue")
        .order_by("group__kindergarten__settlement__name_kk", "group__kindergarten__name_kk", "group__name")
    )
    grouped = defaultdict(list)
    for place in places:
        grouped[place.bulletin_id].append(place)
    return grouped


def settlements_by_bulletin(bulletin_ids: list[int]) -> dict[int, list]:
    """The settlements each bulletin offers places in, each with its places and free places: two queries."""
    rows = list(
        BulletinPlace.objects.filter(bulletin__in=bulletin_ids)
        .values("bulletin_id", "queue__settlement_id")
        .annotate(offered=Sum("places"), free=Sum(F("places") - F("taken") - F("withdrawn")))
        .order_by("bulletin_id")
    )
    settlements = Settlement.objects.in_bulk({row["queue__settlement_id"] for row in rows})
    grouped = defaultdict(list)
    for row in rows:
        grouped[row["bulletin_id"]].append(
            {
                "settlement": settlements[row["queue__settlement_id"]],
                "places": row["offered"],
                "free": row["free"],
            }
        )
    for items in grouped.values():
        items.sort(key=lambda item: item["settlement"].name)
    return grouped


def in_priority(bulletin: Bulletin, now: datetime.datetime) -> bool:
    return bulletin.priority_until > now
