"""Reads of the queue order, written for the database (DESIGN.md, "Where things live").

Every position shown anywhere comes from here: the sizes of the three classes
(one grouped count) and an entry's rank inside its class (one range count over
the ``queue_entry_order`` index), combined by the closed form of ``ordering``.
A page reads at most ``limit`` rows of each class by index range; nothing here
loads a whole queue.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count

from . import ordering
from .choices import BenefitClass
from .models import Queue, QueueEntry


def class_sizes(queue_id: int) -> ordering.ClassSizes:
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


_RANK_SQL = """
    SELECT COUNT(*) FROM {table}
    WHERE queue_id = %s AND benefit_class = %s AND left_at IS NULL
      AND (submitted_at, application_id) <= (%s, %s)
"""


def rank_in_class(entry: QueueEntry) -> int:
    """1-based rank of a standing entry inside its class: entries of the class up to and including it."""
    sql = _RANK_SQL.format(table=connection.ops.quote_name(QueueEntry._meta.db_table))
    submitted_at = connection.ops.adapt_datetimefield_value(entry.submitted_at)
    params = [entry.queue_id, entry.benefit_class, submitted_at, entry.application_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def entry_standing(entry: QueueEntry) -> ordering.Standing:
    """Where a standing entry is now. Raises ValueError for an entry that left its queue."""
    if not entry.is_standing:
        raise ValueError("an entry that left its queue has no position")
    return ordering.standing(entry.benefit_class, rank_in_class(entry), class_sizes(entry.queue_id))


@dataclass(frozen=True)
class QueuePosition:
    entry: QueueEntry
    standing: ordering.Standing


def positions_of_application(application_id: int) -> list[QueuePosition]:
    """Every queue the application stands in, with its standing there (portal, admin, API, notifications)."""
    return positions_of_applications([application_id]).get(application_id, [])


def positions_of_applications(application_ids: Iterable[int]) -> dict[int, list[QueuePosition]]:
    """The positions of several applications at once, by application id (a parent's cabinet).

    One query finds the entries; each standing is then two indexed counts, so
    the cost grows with the queues the applications stand in, never with a queue's length.
    """
    entries = (
        QueueEntry.objects.standing()
        .filter(application_id__in=list(application_ids))
        .select_related("queue", "queue__settlement")
        .order_by("application_id", "queue__kind")
    )
    positions: dict[int, list[QueuePosition]] = defaultdict(list)
    for entry in entries:
        positions[entry.application_id].append(QueuePosition(entry=entry, standing=entry_standing(entry)))
    return dict(positions)


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
    """Positions ``offset + 1 .. offset + limit`` of a queue, in order."""
    sizes = class_sizes(queue.pk)
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
