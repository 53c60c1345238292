"""Reads of bulletins for the parent's and the specialist's pages (RULES.md section 5).

Whether a parent may press **Get referral** on one of these places is
``placements.selectors.take_refusal``; here are only the lists, each one query.
"""

import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from accounts.choices import Action
from core.prepared import Prepared, concrete_columns, instances_of
from directory.models import Group
from queues.models import QueueEntry

from .choices import AccessStatus, BulletinStatus, ReportState
from .models import Access, Bulletin, BulletinPlace, VacancyReport

_places_with_rules = Prepared(
    lambda place_id: BulletinPlace.objects.filter(pk=place_id).values_list(
        *concrete_columns(BulletinPlace),
        *concrete_columns(Bulletin, through="bulletin"),
        *concrete_columns(Group, through="group"),
    ),
    place_id=int,
)


def place_with_rules(place_id: int) -> BulletinPlace | None:
    """The place with its bulletin and group (what the take's rules read), or None; its SQL compiled once.

    On bulletin morning every press of **Get referral** reads it, and most end
    at its count of free places ("no place left"): one statement, no query
    built. The kindergarten's and settlement's names are read only if touched.
    """
    rows = _places_with_rules.rows(place_id=place_id)
    if not rows:
        return None
    place, bulletin, group = instances_of(rows[0], BulletinPlace, Bulletin, Group)
    place.bulletin, place.group = bulletin, group
    return place


def free_places_for(application) -> QuerySet:
    """Free places of published bulletins in the queues the application stands in (same settlement, birth
    year and kind), by kindergarten and group, with what the page shows (address, language, group)."""
    queues = QueueEntry.objects.standing().filter(application=application).values("queue_id")
    return (
        BulletinPlace.objects.filter(
            bulletin__status=BulletinStatus.PUBLISHED,
            queue_id__in=queues,
            taken__lt=F("places") - F("withdrawn"),
        )
        .select_related("bulletin", "queue", "group__kindergarten__settlement")
        .order_by("group__kindergarten__name_kk", "group__name", "bulletin_id")
    )


def takeable_places_for(application, *, now: datetime.datetime) -> QuerySet:
    """Of ``free_places_for``, those open to this application now: its bulletin's window is over, or the
    application holds open access to that bulletin in that queue."""
    access = Access.objects.filter(
        bulletin_id=OuterRef("bulletin_id"),
        queue_id=OuterRef("queue_id"),
        application=application,
        status=AccessStatus.OPEN,
        ends_at__gt=now,
    )
    return free_places_for(application).filter(Q(bulletin__priority_until__lte=now) | Exists(access))


def open_accesses(application, *, now: datetime.datetime) -> QuerySet:
    """The application's priority accesses still running, soonest to end first."""
    return (
        Access.objects.filter(application=application, status=AccessStatus.OPEN, ends_at__gt=now)
        .select_related("bulletin", "queue")
        .order_by("ends_at")
    )


def pending_reports(user) -> QuerySet:
    """Reports of free places (and places released by annulled referrals) awaiting the user's districts."""
    return (
        VacancyReport.objects.restrict(user, Action.CHANGE)
        .filter(state=ReportState.PENDING)
        .select_related("group__kindergarten", "released_from")
        .order_by("reported_at")
    )
