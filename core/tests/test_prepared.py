"""A query compiled once runs with each call's values, and one that cannot be prepared is refused."""

import pytest
from django.db.models import Q

from core.prepared import Prepared, StandInNotFound
from directory.models import Settlement
from directory.tests.factories import SettlementFactory


@pytest.fixture
def settlements(district_a):
    return SettlementFactory.create_batch(3, district=district_a)


def test_each_run_answers_for_its_own_values_as_the_orm_would(settlements, district_a):
    def build(district_id, name_start):
        return (
            Settlement.objects.filter(district_id=district_id, name_kk__gte=name_start)
            .order_by("pk")
            .values_list("pk", "name_kk")
        )

    prepared = Prepared(build, district_id=int, name_start=str)

    for district_id, name_start in [(district_a.pk, ""), (district_a.pk, settlements[1].name_kk), (0, "")]:
        expected = [tuple(row) for row in build(district_id, name_start)]
        assert prepared.rows(district_id=district_id, name_start=name_start) == expected
    assert prepared.rows(district_id=district_a.pk, name_start="")  # not an empty answer every time


def test_a_value_used_twice_is_put_in_both_places(settlements, district_a):
    def build(district_id):
        either = Settlement.objects.filter(Q(district_id=district_id) | Q(pk=-1))
        return either.filter(district__pk__gte=district_id).values_list("pk")

    prepared = Prepared(build, district_id=int)

    assert sorted(prepared.rows(district_id=district_a.pk)) == sorted((s.pk,) for s in settlements)
    assert prepared.rows(district_id=district_a.pk + 1) == []


def test_a_query_that_changes_a_value_before_using_it_is_refused(db):
    shifted = Prepared(
        lambda district_id: Settlement.objects.filter(district_id=district_id + 1), district_id=int
    )

    with pytest.raises(StandInNotFound):
        shifted.rows(district_id=1)
