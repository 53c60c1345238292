"""The pure arithmetic of the order against the plain reference (no database)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queues import ordering
from queues.choices import BenefitClass
from queues.tests.reference import reference_order

OOT, FIRST, GENERAL = BenefitClass.OUT_OF_TURN, BenefitClass.FIRST_TURN, BenefitClass.GENERAL


def reference_queue(sizes: ordering.ClassSizes):
    """Entries named (class, rank) in submission order, ordered by the reference."""
    entries = [
        ((c, r), c, r, r)
        for c, n in ((OOT, sizes.out_of_turn), (FIRST, sizes.first_turn), (GENERAL, sizes.general))
        for r in range(1, n + 1)
    ]
    return reference_order(entries)


class_sizes = st.builds(
    ordering.ClassSizes,
    out_of_turn=st.integers(0, 12),
    first_turn=st.integers(0, 30),
    general=st.integers(0, 60),
)


def test_worked_example_of_the_rules():
    """RULES.md section 3: E1, G1, G2, G3, P1, G4, G5, G6, P2, G7."""
    sizes = ordering.ClassSizes(out_of_turn=1, first_turn=2, general=7)
    assert ordering.standing(OOT, 1, sizes).position == 1
    assert [ordering.standing(GENERAL, g, sizes).position for g in range(1, 8)] == [2, 3, 4, 6, 7, 8, 10]
    assert [ordering.standing(FIRST, p, sizes).position for p in (1, 2)] == [5, 9]


def test_first_turn_follow_in_their_own_order_when_general_run_out():
    """With only G1, G2 and three first-turn P1..P3, the order is G1, G2, P1, P2, P3."""
    sizes = ordering.ClassSizes(out_of_turn=0, first_turn=3, general=2)
    assert [ordering.standing(GENERAL, g, sizes).position for g in (1, 2)] == [1, 2]
    assert [ordering.standing(FIRST, p, sizes).position for p in (1, 2, 3)] == [3, 4, 5]


def test_numbers_ahead_add_up_to_the_position():
    sizes = ordering.ClassSizes(out_of_turn=12, first_turn=4, general=20)
    standing = ordering.standing(FIRST, 2, sizes)
    assert (standing.out_of_turn_ahead, standing.first_turn_ahead, standing.general_ahead) == (12, 1, 6)
    assert standing.position == 12 + 1 + 6 + 1


def test_a_rank_outside_the_class_is_refused():
    sizes = ordering.ClassSizes(out_of_turn=0, first_turn=1, general=1)
    with pytest.raises(ValueError, match="rank_in_class"):
        ordering.standing(GENERAL, 2, sizes)


@given(class_sizes)
def test_every_position_matches_the_reference(sizes):
    order = reference_queue(sizes)
    for position, (benefit_class, rank) in enumerate(order, start=1):
        standing = ordering.standing(benefit_class, rank, sizes)
        assert standing.position == position
        assert standing.out_of_turn_ahead + standing.first_turn_ahead + standing.general_ahead == position - 1


@given(class_sizes, st.data())
def test_every_page_window_holds_exactly_the_reference_page(sizes, data):
    offset = data.draw(st.integers(0, sizes.total + 3))
    limit = data.draw(st.integers(0, 15))
    page = reference_queue(sizes)[offset : offset + limit]
    window = ordering.page_window(offset, limit, sizes)
    expected = {
        OOT: [rank for c, rank in page if c == OOT],
        FIRST: [rank for c, rank in page if c == FIRST],
        GENERAL: [rank for c, rank in page if c == GENERAL],
    }
    assert expected[OOT] == list(
        range(window.out_of_turn_from + 1, window.out_of_turn_from + window.out_of_turn_count + 1)
    )
    assert expected[FIRST] == list(
        range(window.first_turn_from + 1, window.first_turn_from + window.first_turn_count + 1)
    )
    assert expected[GENERAL] == list(
        range(window.general_from + 1, window.general_from + window.general_count + 1)
    )


def test_negative_offsets_are_refused():
    with pytest.raises(ValueError, match="negative"):
        ordering.page_window(-1, 10, ordering.ClassSizes(0, 0, 0))
