"""The order in SQL (``ordering.position_sql``, ``bulk.first_positions_sql``) against the order in Python."""

import datetime

import pytest
from django.db import connection
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from applications.tests.factories import submit
from queues import bulk, ordering, selectors
from queues.choices import BenefitClass
from queues.models import QueueEntry, new_version

pytestmark = pytest.mark.django_db

OOT, FIRST, GENERAL = BenefitClass.OUT_OF_TURN, BenefitClass.FIRST_TURN, BenefitClass.GENERAL

# Small sizes reach the edges (a class empty or run out), big ones the arithmetic far down a big queue.
class_sizes = st.builds(
    ordering.ClassSizes,
    out_of_turn=st.integers(0, 12) | st.integers(0, 2_000),
    first_turn=st.integers(0, 30) | st.integers(0, 5_000),
    general=st.integers(0, 60) | st.integers(0, 60_000),
)


@st.composite
def entries_of(draw, sizes: ordering.ClassSizes) -> list[tuple[int, int]]:
    """Some (class, rank in class) pairs that exist in a queue of ``sizes``."""
    classes = [c for c in (OOT, FIRST, GENERAL) if sizes.of(c)]
    if not classes:
        return []
    pair = st.sampled_from(classes).flatmap(lambda c: st.tuples(st.just(c), st.integers(1, sizes.of(c))))
    return draw(st.lists(pair, min_size=1, max_size=20))


_EVALUATE = "SELECT {expression} FROM (VALUES {rows}) AS entry (c, r, e, p, g)"


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), sizes=class_sizes)
def test_the_sql_closed_form_gives_the_position_of_standing(data, sizes):
    entries = data.draw(entries_of(sizes))
    if not entries:
        return
    expression = ordering.position_sql(
        benefit_class="c", rank="r", out_of_turn="e", first_turn="p", general="g"
    )
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(entries))
    params = [n for c, r in entries for n in (c, r, sizes.out_of_turn, sizes.first_turn, sizes.general)]
    with connection.cursor() as cursor:
        cursor.execute(_EVALUATE.format(expression=expression, rows=rows), params)
        found = [position for (position,) in cursor.fetchall()]

    assert found == [ordering.standing(c, r, sizes).position for c, r in entries]


_FIRST = "SELECT picked.application_id, picked.position FROM ({picked}) AS picked"


@pytest.mark.parametrize("limit", [1, 4, 20])
def test_the_first_eligible_entries_of_a_queue_are_the_first_eligible_of_its_page(settlement_a, limit):
    """All three classes, ties in time; every second applicant (by id) is not eligible."""
    when = datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)
    classes = [GENERAL, FIRST, GENERAL, OOT, GENERAL, GENERAL, FIRST, GENERAL, FIRST, GENERAL, GENERAL, OOT]
    for index, benefit_class in enumerate(classes):
        application = submit(settlement_a, now=when + datetime.timedelta(minutes=index // 2))
        QueueEntry.objects.filter(application=application).update(benefit_class=benefit_class)
    queue = QueueEntry.objects.select_related("queue").first().queue
    type(queue).objects.filter(pk=queue.pk).update(version=new_version())
    queue.refresh_from_db()

    sql = _FIRST.format(
        picked=bulk.first_positions_sql(
            queue="%(queue)s", limit="%(limit)s", eligible="entry.application_id %% 2 = 0"
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"queue": queue.pk, "limit": limit})
        found = cursor.fetchall()

    expected = [
        (row.entry.application_id, row.position)
        for row in selectors.queue_page(queue, offset=0, limit=50)
        if row.entry.application_id % 2 == 0
    ][:limit]
    assert found == expected
    assert len(found) == min(limit, len(classes) // 2)
