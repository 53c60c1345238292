"""The referral side of the public statistics (issue 13), registered with ``bulletins.statistics``.

A place counts as given when its referral was issued (and not cancelled for an
unconfirmed benefit); a wait runs from the application's submission to the
referral's issue. Two aggregate queries over the queue's referrals of the
last twelve months, and one that reads their two times: the quartiles of the
waits are computed here (``statistics.quantiles``, inclusive: what
PostgreSQL's ``percentile_cont`` gives), so the page works on every database
the project runs on, the embedded SQLite of ``make run`` included. A queue
gives at most some hundreds of places a year, so the rows read stay few.
"""

import statistics

from django.db.models import Count, Exists, OuterRef, Q

from applications.models import Application
from bulletins.statistics import Month, PlacementFigures

from .choices import ReferralStatus
from .models import Referral

GIVEN = (ReferralStatus.ISSUED, ReferralStatus.ENROLLED, ReferralStatus.ANNULLED)
SECONDS_PER_DAY = 86400.0


def quartiles(days: list[float]) -> tuple[float, float, float] | None:
    """The first quartile, the median and the third quartile of ``days`` (None when there are none)."""
    if not days:
        return None
    if len(days) == 1:
        return (days[0], days[0], days[0])
    first, median, third = statistics.quantiles(days, n=4, method="inclusive")
    return (first, median, third)


def _days_waited(referrals) -> list[float]:
    return [
        (issued_at - submitted_at).total_seconds() / SECONDS_PER_DAY
        for issued_at, submitted_at in referrals.values_list("issued_at", "application__submitted_at")
    ]


def given_per_month(referrals, months: list[Month]) -> list[int]:
    """How many of ``referrals`` (places given) were issued in each of ``months``: one aggregate query.

    ``referrals`` may span several queues (a district's, for the staff's figures, issue 14).
    """
    per_month = referrals.filter(status__in=GIVEN).aggregate(
        **{
            f"m{index}": Count(
                "id",
                filter=Q(issued_at__gte=month.starts_at, issued_at__lte=month.counted_at),
            )
            for index, month in enumerate(months)
        }
    )
    return [per_month[f"m{index}"] for index in range(len(months))]


def figures(queue_id: int, months: list[Month]) -> PlacementFigures:
    """Places given in each of ``months`` (oldest first), then waits and preferences over all of them."""
    referrals = Referral.objects.filter(place__queue_id=queue_id, status__in=GIVEN)
    given = given_per_month(referrals, months)
    referrals = referrals.filter(issued_at__gte=months[0].starts_at)
    preferences = Application.preferred_kindergartens.through.objects.filter(
        application_id=OuterRef("application_id")
    )
    summary = referrals.aggregate(
        placed=Count("id"),
        with_preferences=Count("id", filter=Exists(preferences)),
        in_preferred=Count(
            "id", filter=Exists(preferences.filter(kindergarten_id=OuterRef("kindergarten_id")))
        ),
    )
    return PlacementFigures(
        given=given,
        waits=quartiles(_days_waited(referrals)),
        placed=summary["placed"],
        with_preferences=summary["with_preferences"],
        in_preferred=summary["in_preferred"],
    )
