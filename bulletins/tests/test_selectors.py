"""What the parent's page lists: free places in the child's queues, and which of them are open to it now."""

import pytest

from bulletins import selectors, services
from bulletins.tests.factories import (
    MONDAY_14_DECEMBER,
    at,
    group_in,
    kindergarten_staff,
    published_bulletin,
    waiting,
)
from placements.tests.factories import take

pytestmark = pytest.mark.usefixtures("english")

NOW = MONDAY_14_DECEMBER


@pytest.fixture
def world(settlement_a, specialist_a, kindergarten_a):
    g1, g2, g3 = waiting(settlement_a, 3, first=at(2, month=11))
    group = group_in(kindergarten_a)
    younger = group_in(kindergarten_a, birth_year=2023)
    bulletin = published_bulletin(specialist_a, {group: 2, younger: 1}, now=NOW)
    services.open_access(bulletin_id=bulletin.pk, now=NOW)
    return g1, g2, g3, bulletin.places.get(group=group)


def test_the_page_lists_free_places_of_the_childs_queues_only(world, django_assert_max_num_queries):
    *_, g3, place = world
    with django_assert_max_num_queries(1):
        listed = list(selectors.free_places_for(g3))
    assert listed == [place]
    assert listed[0].kindergarten.address


def test_a_place_is_open_to_holders_of_access_until_the_window_ends_then_to_all(world):
    g1, _g2, g3, place = world
    assert list(selectors.takeable_places_for(g1, now=NOW)) == [place]
    assert list(selectors.takeable_places_for(g3, now=NOW)) == []
    assert list(selectors.takeable_places_for(g3, now=at(19))) == [place]
    assert [access.bulletin_id for access in selectors.open_accesses(g1, now=NOW)] == [place.bulletin_id]


def test_a_place_with_nothing_free_is_not_listed(world):
    g1, g2, g3, place = world
    take(g1, place, now=NOW)
    take(g2, place, now=NOW)
    assert list(selectors.free_places_for(g3)) == []


def test_the_specialist_sees_the_pending_reports_of_their_districts(
    world, kindergarten_a, specialist_a, specialist_b
):
    *_, place = world
    report = services.report_vacancy(
        group=place.group, places=1, actor=kindergarten_staff(kindergarten_a), now=NOW
    )
    assert list(selectors.pending_reports(specialist_a)) == [report]
    assert list(selectors.pending_reports(specialist_b)) == []
