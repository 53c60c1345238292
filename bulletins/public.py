"""Reads of the public bulletin pages (issue 13): published bulletins and their places, nothing personal.

A page shows a page of bulletins (newest first) with their places. It is kept
in the cache beside a token (``PLACES_KEY``) that every write it shows
deletes when it commits (``shown_changed``), and under the day: a priority
window only ever ends at midnight Asia/Almaty (``services.priority_window_end``),
so within a day nothing else it shows changes, and the kept page is exact.
"""

import datetime
from collections import defaultdict

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet, Sum

from core.pagecache import tokens_changed
from directory.models import Settlement

from .choices import BulletinStatus
from .models import Bulletin, BulletinPlace

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


#: The tokens the public pages of bulletins are kept beside (``core.pagecache.shared_page_beside``):
#: each write those pages show deletes its token when it commits (``shown_changed``), so a page kept
#: beside a token is never served after such a write. The bulletin pages show the places taken,
#: withdrawn and given back; the statistics page only which bulletins are published.
PLACES_KEY = "bulletins:public:places"
PUBLISHED_KEY = "bulletins:public:published"


def shown_changed(*, published: bool = False) -> None:
    """Call inside every write the public pages show (``core.pagecache.tokens_changed``); a write that
    publishes a bulletin changes both pages."""
    tokens_changed(*([PLACES_KEY, PUBLISHED_KEY] if published else [PLACES_KEY]))


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
