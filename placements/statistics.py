"""The referral side of the public statistics (issue 13), registered with ``bulletins.statistics``.

A place counts as given when its referral was issued (and not cancelled for an
unconfirmed benefit); a wait runs from the application's submission to the
referral's issue. Three aggregate queries over the queue's referrals of the
last twelve months; PostgreSQL's ``percentile_cont`` finds the quartiles.
"""

from django.contrib.postgres.fields import ArrayField
from django.db.models import Aggregate, Count, Exists, F, FloatField, Func, OuterRef, Q

from applications.models import Application
from bulletins.statistics import Month, PlacementFigures

from .choices import ReferralStatus
from .models import Referral

GIVEN = (ReferralStatus.ISSUED, ReferralStatus.ENROLLED, ReferralStatus.ANNULLED)
SECONDS_PER_DAY = 86400.0


class Quartiles(Aggregate):
    """The first quartile, the median and the third quartile of a number, as one array."""

    function = "percentile_cont"
    template = "%(function)s(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())


def _days_waited():
    return Func(
        F("issued_at") - F("application__submitted_at"),
        template=f"EXTRACT(EPOCH FROM %(expressions)s) / {SECONDS_PER_DAY}",
        output_field=FloatField(),
    )


def figures(queue_id: int, months: list[Month]) -> PlacementFigures:
    """Places given in each of ``months`` (oldest first), then waits and preferences over all of them."""
    referrals = Referral.objects.filter(place__queue_id=queue_id, status__in=GIVEN)
    per_month = referrals.aggregate(
        **{
            f"m{index}": Count(
                "id",
                filter=Q(issued_at__gte=month.starts_at, issued_at__lte=month.counted_at),
            )
            for index, month in enumerate(months)
        }
    )
    referrals = referrals.filter(issued_at__gte=months[0].starts_at)
    preferences = Application.preferred_kindergartens.through.objects.filter(
        application_id=OuterRef("application_id")
    )
    summary = referrals.aggregate(
        placed=Count("id"),
        quartiles=Quartiles(_days_waited()),
        with_preferences=Count("id", filter=Exists(preferences)),
        in_preferred=Count(
            "id", filter=Exists(preferences.filter(kindergarten_id=OuterRef("kindergarten_id")))
        ),
    )
    return PlacementFigures(
        given=[per_month[f"m{index}"] for index in range(len(months))],
        waits=tuple(summary["quartiles"]) if summary["quartiles"] else None,
        placed=summary["placed"],
        with_preferences=summary["with_preferences"],
        in_preferred=summary["in_preferred"],
    )
