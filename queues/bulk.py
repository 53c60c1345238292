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


_ALL_POSITIONS_SQL = """
    SELECT ranked.queue_id, ranked.application_id, ranked.benefit_class, {position} AS position
    FROM (
        SELECT entry.queue_id, entry.application_id, entry.benefit_class,
               ROW_NUMBER() OVER (
                   PARTITION BY entry.queue_id, entry.benefit_class
                   ORDER BY entry.submitted_at, entry.application_id
               ) AS rank_in_class,
               SUM(CASE WHEN entry.benefit_class = {out_of_turn:d} THEN 1 ELSE 0 END)
                   OVER (PARTITION BY entry.queue_id) AS out_of_turn,
               SUM(CASE WHEN entry.benefit_class = {first_turn:d} THEN 1 ELSE 0 END)
                   OVER (PARTITION BY entry.queue_id) AS first_turn,
               SUM(CASE WHEN entry.benefit_class = {general:d} THEN 1 ELSE 0 END)
                   OVER (PARTITION BY entry.queue_id) AS general
        FROM {table} AS entry
        WHERE entry.left_at IS NULL AND entry.queue_id = ANY({queues})
    ) AS ranked
"""


def all_positions_sql(*, queues: str) -> str:
    """A SELECT of ``(queue_id, application_id, benefit_class, position)`` for every standing entry of
    the queues in ``queues``, a SQL expression of an array of their ids (a parameter, on PostgreSQL).

    For a whole settlement at once (the daily open data): ranks in each class by
    ``ROW_NUMBER``, class sizes by window sums, and the closed form of
    ``ordering`` on top, in one pass the database streams; each position is the
    one ``selectors.entry_standing`` gives. Call ``selectors.settle_expired_in``
    first, as every reader does, so that no expired class counts.
    """
    return _ALL_POSITIONS_SQL.format(
        position=ordering.position_sql(
            benefit_class="ranked.benefit_class",
            rank="ranked.rank_in_class",
            out_of_turn="ranked.out_of_turn",
            first_turn="ranked.first_turn",
            general="ranked.general",
        ),
        out_of_turn=BenefitClass.OUT_OF_TURN,
        first_turn=BenefitClass.FIRST_TURN,
        general=BenefitClass.GENERAL,
        table=connection.ops.quote_name(QueueEntry._meta.db_table),
        queues=queues,
    )
