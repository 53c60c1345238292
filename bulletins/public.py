"""Reads of the public bulletin pages (issue 13): published bulletins and their places, nothing personal.

A page shows a page of bulletins (newest first) with their places; its cache
key (``state_of``) is read in two small queries over those bulletins only: the
bulletins' ids and windows, then the sums of their places' counters. Taken and
withdrawn places only ever grow, and a window only ever ends, so the key
changes whenever anything the page shows changes, and the cached page is exact.
"""

import datetime
from collections import defaultdict

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum

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


def state_of(page: Page, *, settlement=None, now: datetime.datetime) -> tuple:
    """What the page shows changes only with this: its bulletins, their windows ended, their counters."""
    bulletins = [bulletin.pk for bulletin in page.object_list]
    ended = sum(1 for bulletin in page.object_list if bulletin.priority_until <= now)
    counters = _places_of(bulletins, settlement).aggregate(
        rows=Count("id"), taken=Sum("taken"), withdrawn=Sum("withdrawn")
    )
    return (tuple(bulletins), ended, counters["rows"], counters["taken"], counters["withdrawn"])


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


def settlements_by_bulletin(bulletins) -> dict[int, list]:
    """The settlements each bulletin offers places in, each with its places and free places: two queries."""
    rows = list(
        BulletinPlace.objects.filter(bulletin__in=[bulletin.pk for bulletin in bulletins])
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
