"""Figures of one queue over the last twelve months, for the public statistics pages (issue 13).

Each figure is one aggregate query over the queue's rows; nothing loads a
queue into Python. The queue's length at the end of each month is counted from
its entries' ``joined_at`` and ``left_at`` (an entry stood at a moment if it
had joined and not yet left), by the class each entry holds now: the class an
entry held in a past month is not kept. Places given, waits and preferences
come from the referrals, which live in ``placements``, above this app: that app
registers the function that counts them (``register_placement_figures``), so
this module never imports it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from core import dates
from queues.choices import BenefitClass
from queues.models import QueueEntry

MONTHS = 12
CLASSES = (BenefitClass.OUT_OF_TURN, BenefitClass.FIRST_TURN, BenefitClass.GENERAL)


@dataclass(frozen=True)
class Month:
    """A calendar month (Asia/Almaty) and the moment it is counted at: its end, or now for this month."""

    first_day: datetime.date
    counted_at: datetime.datetime

    @property
    def starts_at(self) -> datetime.datetime:
        return dates.end_of(self.first_day - datetime.timedelta(days=1))

    @property
    def label(self) -> str:
        return f"{self.first_day.month:02d}.{self.first_day.year}"


@dataclass(frozen=True)
class PlacementFigures:
    """What the referrals of a queue say over the months: given per month, waits, preferences."""

    given: list[int] = field(default_factory=list)
    #: The first quartile, the median and the third quartile of the waits, in days; None with no referral.
    waits: tuple[float, float, float] | None = None
    placed: int = 0
    with_preferences: int = 0
    in_preferred: int = 0

    @property
    def preferred_share(self) -> int | None:
        """Percent of those who named kindergartens placed in one of them; None when nobody named any."""
        if not self.with_preferences:
            return None
        return round(100 * self.in_preferred / self.with_preferences)


_placement_figures: Callable[..., PlacementFigures] | None = None


def register_placement_figures(count: Callable[..., PlacementFigures]) -> None:
    """Called by ``placements`` when it is ready: ``count(queue_id, months)`` gives its figures."""
    global _placement_figures
    _placement_figures = count


def last_months(now: datetime.datetime, count: int = MONTHS) -> list[Month]:
    """The last ``count`` months, oldest first, ending with the current one (counted at ``now``)."""
    first_of_this = dates.local_date(now).replace(day=1)
    months = []
    for back in range(count - 1, -1, -1):
        first_day = dates.add_months(first_of_this, -back)
        month_end = dates.end_of(dates.add_months(first_day, 1) - datetime.timedelta(days=1))
        months.append(Month(first_day=first_day, counted_at=min(month_end, now)))
    return months


def queue_length_by_class(queue_id: int, months: list[Month]) -> list[dict[int, int]]:
    """For each month, how many entries of each class stood in the queue at its end: one query."""
    return length_by_class(QueueEntry.objects.filter(queue_id=queue_id), months)


def length_by_class(entries: QuerySet[QueueEntry], months: list[Month]) -> list[dict[int, int]]:
    """For each month, how many of ``entries`` of each class stood at its end: one aggregate query.

    ``entries`` may span several queues (a district's, for the staff's figures, issue 14).
    """
    stood = {
        f"m{index}_c{benefit_class}": Count(
            "id",
            filter=Q(benefit_class=benefit_class, joined_at__lte=month.counted_at)
            & (Q(left_at__isnull=True) | Q(left_at__gt=month.counted_at)),
        )
        for index, month in enumerate(months)
        for benefit_class in CLASSES
    }
    counts = entries.aggregate(**stood)
    return [
        {benefit_class: counts[f"m{index}_c{benefit_class}"] for benefit_class in CLASSES}
        for index in range(len(months))
    ]


def placement_figures(queue_id: int, months: list[Month]) -> PlacementFigures:
    if _placement_figures is None:
        return PlacementFigures(given=[0] * len(months))
    return _placement_figures(queue_id, months)
