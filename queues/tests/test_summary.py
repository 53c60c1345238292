"""The front page's figures: one statement recounts every area, and agrees with a direct count."""

import datetime

import pytest
from django.conf import settings

from applications.services import withdraw_application
from applications.tests.factories import submit
from bulletins.tests.factories import parent_of
from directory.choices import KindergartenKind
from directory.tests.factories import DistrictFactory, KindergartenFactory, SettlementFactory
from queues import summary, tasks
from queues.choices import AreaLevel
from queues.models import AreaSummary, QueueEntry

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 12, 7, 9, 30, tzinfo=datetime.UTC)


def waiting_by_direct_count(**where) -> int:
    return QueueEntry.objects.standing().filter(queue__kind=KindergartenKind.GENERAL, **where).count()


def figures(level, area):
    return AreaSummary.objects.get(level=level, area_id=area.pk)


@pytest.fixture
def country(settlement_a, settlement_b):
    """Two settlements in two districts of Almaty city, and a village of Almaty region."""
    village = SettlementFactory(
        district=DistrictFactory(kato_code="194600000"), kato_code="194630100", name_kk="Өтеген батыр"
    )
    for settlement, count in ((settlement_a, 3), (settlement_b, 1), (village, 2)):
        for _ in range(count):
            submit(settlement)
        KindergartenFactory(settlement=settlement)
    withdrawn = submit(settlement_a)
    withdraw_application(application=withdrawn, actor=parent_of(withdrawn))
    return settlement_a, settlement_b, village


def test_refresh_counts_every_area_as_a_direct_count_does(country):
    settlement_a, _settlement_b, village = country

    summary.refresh(now=NOON)

    for settlement in country:
        row = figures(AreaLevel.SETTLEMENT, settlement)
        assert row.children_waiting == waiting_by_direct_count(queue__settlement=settlement)
        assert row.kindergartens == settlement.kindergartens.count()
        district = settlement.district
        assert figures(AreaLevel.DISTRICT, district).children_waiting == waiting_by_direct_count(
            queue__settlement__district=district
        )
    almaty, almaty_region = settlement_a.district.region, village.district.region
    assert (almaty.kato_code, almaty_region.kato_code) == ("750000000", "190000000")
    assert figures(AreaLevel.REGION, almaty).children_waiting == 4, "3 + 1: the withdrawn one left"
    assert figures(AreaLevel.REGION, almaty).kindergartens == 2
    assert figures(AreaLevel.REGION, almaty_region).children_waiting == 2
    assert set(AreaSummary.objects.values_list("computed_at", flat=True)) == {NOON}


def test_a_second_refresh_updates_the_same_rows(country):
    settlement_a = country[0]
    summary.refresh(now=NOON)
    rows = AreaSummary.objects.count()

    submit(settlement_a)
    later = NOON + datetime.timedelta(minutes=10)
    summary.refresh(now=later)

    assert AreaSummary.objects.count() == rows
    row = figures(AreaLevel.SETTLEMENT, settlement_a)
    assert (row.children_waiting, row.computed_at) == (4, later)
    assert figures(AreaLevel.REGION, settlement_a.district.region).children_waiting == 5


def test_a_settlement_nobody_waits_in_shows_zero(settlement_a):
    summary.refresh(now=NOON)

    assert figures(AreaLevel.SETTLEMENT, settlement_a).children_waiting == 0


def test_beat_recounts_the_figures_every_ten_minutes(country):
    task = tasks.refresh_area_summaries.name
    entry = next(job for job in settings.CELERY_BEAT_SCHEDULE.values() if job["task"] == task)
    assert entry["schedule"] == 600

    tasks.refresh_area_summaries.delay()

    assert figures(AreaLevel.SETTLEMENT, country[0]).children_waiting == 3
