"""Reads of the directory for public pages: the map from region to settlement, and the settlement search."""

from django.db.models import Q, QuerySet
from django.utils.translation import get_language

from .models import District, Kindergarten, Region, Settlement


def _by_name(queryset: QuerySet) -> QuerySet:
    """Ordered by the name a reader sees: Russian on Russian pages, Kazakh otherwise."""
    name = "name_ru" if get_language() == "ru" else "name_kk"
    return queryset.order_by(name, "pk")


def regions() -> QuerySet[Region]:
    return _by_name(Region.objects.all())


def districts_of(region: Region) -> QuerySet[District]:
    return _by_name(region.districts.all())


def settlements_of(district: District) -> QuerySet[Settlement]:
    return _by_name(district.settlements.all())


def kindergartens_of(settlement: Settlement) -> QuerySet[Kindergarten]:
    return _by_name(settlement.kindergartens.all())


def settlements_matching(text: str) -> QuerySet[Settlement]:
    """Settlements whose name (Kazakh or Russian) contains ``text``, or whose KATO code starts with it.

    ``icontains`` escapes ``%`` and ``_``, so a query is always taken literally.
    """
    text = text.strip()
    settlements = Settlement.objects.select_related("district__region")
    if text:
        settlements = settlements.filter(
            Q(name_kk__icontains=text) | Q(name_ru__icontains=text) | Q(kato_code__startswith=text)
        )
    return settlements.order_by("name_kk", "kato_code")
