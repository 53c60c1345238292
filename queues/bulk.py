"""Positions in many queues at once, in SQL, for the writes that act on whole queues (opening access).

``selectors`` answers for one entry or one page; a bulletin touches thousands of
queues at once, and asking it queue by queue costs round trips per queue. Here
one query positions every standing entry of a set of queues: its rank in its
class by ``ROW_NUMBER`` over the ``queue_entry_order`` index, the three class
sizes by counts over its queue, and the closed form of ``ordering`` on top, so
the order still lives in one place. Callers compose it into their own query
and read back only the rows they choose; nothing here loads a queue into Python.
"""

from collections.abc import Sequence

from django.db import connection

from . import ordering
from .choices import BenefitClass
from .models import QueueEntry

_POSITIONS_SQL = """
    SELECT queue_id, application_id, {position} AS position
    FROM (
        SELECT queue_id, application_id, benefit_class,
               ROW_NUMBER() OVER (
                   PARTITION BY queue_id, benefit_class ORDER BY submitted_at, application_id
               ) AS rank_in_class,
               COUNT(*) FILTER (WHERE benefit_class = {out_of_turn:d}) OVER by_queue AS out_of_turn,
               COUNT(*) FILTER (WHERE benefit_class = {first_turn:d}) OVER by_queue AS first_turn,
               COUNT(*) FILTER (WHERE benefit_class = {general:d}) OVER by_queue AS general
        FROM {table}
        WHERE left_at IS NULL AND queue_id IN ({queue_ids})
        WINDOW by_queue AS (PARTITION BY queue_id)
    ) AS ranked
"""


def positions_sql(queue_ids: Sequence[int]) -> tuple[str, list[int]]:
    """A SELECT of ``(queue_id, application_id, position)`` for every standing entry of ``queue_ids``.

    Returns the SQL and its parameters, to be used as a subquery. Each row's
    position is the one ``selectors.entry_standing`` gives the entry.
    """
    if not queue_ids:
        raise ValueError("positions_sql needs at least one queue")
    sql = _POSITIONS_SQL.format(
        position=ordering.position_sql(
            benefit_class="benefit_class",
            rank="rank_in_class",
            out_of_turn="out_of_turn",
            first_turn="first_turn",
            general="general",
        ),
        out_of_turn=BenefitClass.OUT_OF_TURN,
        first_turn=BenefitClass.FIRST_TURN,
        general=BenefitClass.GENERAL,
        table=connection.ops.quote_name(QueueEntry._meta.db_table),
        queue_ids=", ".join(["%s"] * len(queue_ids)),
    )
    return sql, list(queue_ids)
