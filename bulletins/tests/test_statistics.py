"""The public statistics (issue 13): a queue's months counted from its rows, drawn as accessible SVG."""

import datetime
import re

import pytest
from django.urls import reverse

from applications.tests.factories import submit
from bulletins import charts, services, statistics
from bulletins.tests.factories import MONDAY_14_DECEMBER, at, group_in, published_bulletin, queue_of, waiting
from directory.tests.factories import KindergartenFactory
from placements.tests.factories import take
from queues.choices import BenefitClass
from queues.models import QueueEntry

NOW = MONDAY_14_DECEMBER + datetime.timedelta(hours=2)
pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]


@pytest.fixture
def group(kindergarten_a):
    return group_in(kindergarten_a)


@pytest.fixture
def history(settlement_a, specialist_a, group, kindergarten_a):
    """Three joined in September, two in November; one left in October; two got places in December."""
    september = waiting(settlement_a, 3, first=at(10, month=9))
    november = waiting(settlement_a, 2, first=at(10, month=11))
    for application in [*september, *november]:
        QueueEntry.objects.filter(application=application).update(joined_at=application.submitted_at)
    QueueEntry.objects.filter(application=september[2]).update(
        left_at=at(15, month=10), left_reason="withdrawn"
    )
    september[1].preferred_kindergartens.add(kindergarten_a)
    november[0].preferred_kindergartens.add(KindergartenFactory(settlement=settlement_a))
    bulletin = published_bulletin(specialist_a, {group: 2}, now=MONDAY_14_DECEMBER)
    services.open_access(bulletin_id=bulletin.pk, now=MONDAY_14_DECEMBER)
    place = bulletin.places.get()
    take(september[0], place, now=NOW - datetime.timedelta(minutes=30))
    take(september[1], place, now=NOW - datetime.timedelta(minutes=20))
    return queue_of(group)


def test_the_queue_length_at_each_month_end_counts_who_had_joined_and_not_left(history):
    months = statistics.last_months(NOW)
    by_month = dict(
        zip(
            [month.label for month in months],
            statistics.queue_length_by_class(history.pk, months),
            strict=True,
        )
    )
    general = BenefitClass.GENERAL
    assert by_month["08.2026"][general] == 0
    assert by_month["09.2026"][general] == 3
    assert by_month["10.2026"][general] == 2, "the child who left in October no longer counts at its end"
    assert by_month["11.2026"][general] == 4
    assert by_month["12.2026"][general] == 4, "children holding a referral still stand in the queue"


def test_places_given_waits_and_preferences(history):
    figures = statistics.placement_figures(history.pk, statistics.last_months(NOW))
    assert figures.given[-1] == 2
    assert sum(figures.given) == 2
    assert figures.placed == 2
    low, middle, high = figures.waits
    assert 94 < low <= middle <= high < 96, "both waited from 10 September to 14 December: 95 days"
    assert (figures.with_preferences, figures.in_preferred, figures.preferred_share) == (1, 1, 100)


def test_the_queue_page_draws_accessible_charts_with_their_tables(client, settlement_a, history):
    url = reverse(
        "bulletins:queue_statistics", args=[settlement_a.kato_code, history.birth_year, history.kind]
    )
    page = client.get(url).content.decode()
    assert page.count('<svg role="img" aria-labelledby=') == 2
    assert '<title id="length-title">' in page
    assert '<desc id="length-desc">' in page
    assert '<th scope="row">12.2026</th>' in page
    assert "<script" not in page
    assert "100%: балабақшаларды атаған 1 баланың 1-і" in page
    assert "95" in page


def test_the_index_and_the_settlement_page_lead_to_a_queue(client, settlement_a, history):
    assert client.get(reverse("bulletins:statistics")).status_code == 200
    page = client.get(
        reverse("bulletins:settlement_statistics", args=[settlement_a.kato_code])
    ).content.decode()
    assert reverse("bulletins:queue_statistics", args=[settlement_a.kato_code, 2022, "general"]) in page


def test_a_queue_nobody_joined_is_not_found(client, settlement_a):
    submit(settlement_a)
    url = reverse("bulletins:queue_statistics", args=[settlement_a.kato_code, 2001, "general"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("largest", "scale"), [(0, [0, 1]), (1, [0, 1]), (2, [0, 1, 2]), (9, [0, 2, 4, 6, 8, 10])]
)
def test_the_scale_of_a_chart_reads_in_whole_numbers(largest, scale):
    chart = charts.bars(title="t", description="d", labels=["a"], series=[("s", "c")], values=[[largest]])
    assert [tick.value for tick in chart.ticks] == scale


def test_the_chart_coordinates_keep_a_decimal_point_in_russian(client, settings, settlement_a, history):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    url = reverse(
        "bulletins:queue_statistics", args=[settlement_a.kato_code, history.birth_year, history.kind]
    )
    page = client.get(url).content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "Дети в очереди на конец каждого месяца" in svg
    assert not re.search(r'="\d+,\d', svg)


def test_the_quartiles_of_the_waits_are_postgresql_s_percentile_cont_on_any_database():
    from placements.statistics import quartiles

    assert quartiles([4.0, 1.0, 3.0, 2.0]) == (1.75, 2.5, 3.25)  # percentile_cont(0.25, 0.5, 0.75)
    assert quartiles([9.0]) == (9.0, 9.0, 9.0)
    assert quartiles([]) is None
