"""Positions in many queues at once, in SQL, for the writes that act on whole queues (opening access).

``selectors`` answers for one entry or one page; a bulletin touches thousands of
queues at once, and asking it queue by queue costs round trips per queue.
``first_positions_sql`` gives the first eligible entries of one queue, for a
LATERAL join over a batch of queues (opening access): ranks in each class by
``ROW_NUMBER`` over the ``queue_entry_order`` index, the three class sizes by
counts over the queue, and the closed form of ``ordering`` on top, so the order
still lives in one place. Callers compose them into their own query and read back only
the rows they choose; nothing here loads a queue into Python.
"""

from django.db import connection

from . import ordering
from .choices import BenefitClass
from .models import QueueEntry

_FIRST_POSITIONS_SQL = """
    SELECT candidate.application_id, {position} AS position
    FROM (
        SELECT COUNT(*) FILTER (WHERE benefit_class = {out_of_turn:d}) AS out_of_turn,
               COUNT(*) FILTER (WHERE benefit_class = {first_turn:d}) AS first_turn,
               COUNT(*) FILTER (WHERE benefit_class = {general:d}) AS general
        FROM {table}
        WHERE queue_id = {queue} AND left_at IS NULL
    ) AS sizes
    CROSS JOIN ({first_of_each_class}) AS candidate
    ORDER BY position
    LIMIT {limit}
"""

# The first ``limit`` eligible entries of one class, walking the class in its order (the outer ORDER BY is
# the index's, so PostgreSQL stops the scan at the limit instead of sorting the class).
_FIRST_OF_CLASS_SQL = """
    SELECT * FROM (
        SELECT {benefit_class:d} AS benefit_class, entry.application_id, entry.rank_in_class
        FROM (
            SELECT queue_id, application_id, submitted_at,
                   ROW_NUMBER() OVER (ORDER BY submitted_at, application_id) AS rank_in_class
            FROM {table}
            WHERE queue_id = {queue} AND benefit_class = {benefit_class:d} AND left_at IS NULL
            ORDER BY submitted_at, application_id
        ) AS entry
        WHERE {eligible}
        ORDER BY entry.submitted_at, entry.application_id
        LIMIT {limit}
    ) AS first_of_class
"""


def first_positions_sql(*, queue: str, limit: str, eligible: str) -> str:
    """A SELECT of ``(application_id, position)``: the first ``limit`` standing entries of ``queue``
    that satisfy ``eligible``, in queue order.

    ``queue`` and ``limit`` are SQL expressions: parameters, or on PostgreSQL the
    columns of an outer query that joins it LATERAL to a batch of queues.
    ``eligible`` is a condition over ``entry.queue_id`` and ``entry.application_id``;
    it appears once per class, so give it named parameters. The query reads no
    further than it must: each class is walked in its order along the
    ``queue_entry_order`` index, ranking every entry and stopping at the first
    ``limit`` eligible ones; the closed form of ``ordering``, over the class sizes
    counted on the same index, positions them and merges the three. The first
    ``limit`` eligible of the queue are among them, since within a class the
    position grows with the rank; each position is the one ``selectors.entry_standing`` gives.
    """
    table = connection.ops.quote_name(QueueEntry._meta.db_table)
    first_of_each_class = " UNION ALL ".join(
        _FIRST_OF_CLASS_SQL.format(
            benefit_class=benefit_class, table=table, queue=queue, limit=limit, eligible=eligible
        )
        for benefit_class in (BenefitClass.OUT_OF_TURN, BenefitClass.FIRST_TURN, BenefitClass.GENERAL)
    )
    return _FIRST_POSITIONS_SQL.format(
        position=ordering.position_sql(
            benefit_class="candidate.benefit_class",
            rank="candidate.rank_in_class",
            out_of_turn="sizes.out_of_turn",
            first_turn="sizes.first_turn",
            general="sizes.general",
        ),
        out_of_turn=BenefitClass.OUT_OF_TURN,
        first_turn=BenefitClass.FIRST_TURN,
        general=BenefitClass.GENERAL,
        table=table,
        queue=queue,
        limit=limit,
        first_of_each_class=first_of_each_class,
    )
