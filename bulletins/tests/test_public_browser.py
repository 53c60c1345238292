"""The public record in a real browser, at a phone's and a desktop's width, in Kazakh and in Russian.

From a settlement's front page a visitor opens its vacancy bulletins, then its
statistics and one queue's charts, then the open data. Screenshots of each page
go to var/screenshots/.
"""

import datetime

import pytest

from bulletins import opendata, services
from bulletins.tests.factories import MONDAY_14_DECEMBER, at, group_in, published_bulletin, waiting
from conftest import screenshot
from directory.choices import GroupLanguage
from placements.tests.factories import take
from queues.choices import BenefitClass
from queues.models import Queue, QueueEntry, new_version

AN_HOUR_LATER = MONDAY_14_DECEMBER + datetime.timedelta(hours=1)
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.clock(AN_HOUR_LATER, tick=True)]


@pytest.fixture
def record(settlement_a, kindergarten_a, specialist_a):
    """Children who joined over the autumn, a bulletin of three places, one given, the day's export."""
    children = [
        *waiting(settlement_a, 3, first=at(5, month=8)),
        *waiting(settlement_a, 4, first=at(9, month=10)),
        *waiting(settlement_a, 2, first=at(20, month=11)),
    ]
    for application in children:
        QueueEntry.objects.filter(application=application).update(joined_at=application.submitted_at)
    QueueEntry.objects.filter(application=children[4]).update(benefit_class=BenefitClass.FIRST_TURN)
    Queue.objects.update(version=new_version())
    children[0].preferred_kindergartens.add(kindergarten_a)
    group = group_in(kindergarten_a, name="Күншуақ", language=GroupLanguage.KAZAKH)
    bulletin = published_bulletin(specialist_a, {group: 3}, now=MONDAY_14_DECEMBER)
    services.open_access(bulletin_id=bulletin.pk, now=MONDAY_14_DECEMBER)
    take(children[0], bulletin.places.get(), now=MONDAY_14_DECEMBER + datetime.timedelta(minutes=5))
    opendata.export_all()
    return settlement_a


def visit(page, url):
    page.goto(url)
    page.wait_for_load_state()


def test_a_visitor_reads_the_bulletins_statistics_and_open_data(browser_page, live_server, clock, record):
    page, base = browser_page, live_server.url
    for language, words in (
        (
            "kk",
            {
                "bulletins": "Бос орындар бюллетеньдері",
                "statistics": "Статистика",
                "free": "Әлі бос",
                "country": "Бүкіл елдің соңғы бюллетеньдері",
            },
        ),
        (
            "ru",
            {
                "bulletins": "Бюллетени свободных мест",
                "statistics": "Статистика",
                "free": "Ещё свободно",
                "country": "Последние бюллетени всей страны",
            },
        ),
    ):
        visit(page, f"{base}/language/{language}/?next=/settlements/{record.kato_code}/")
        assert page.locator("html").get_attribute("lang") == language

        page.get_by_role("link", name=words["bulletins"], exact=True).click()
        page.wait_for_load_state()
        assert page.locator(".place").count() == 1
        assert page.locator(".place .free").inner_text() == "2"
        assert page.get_by_text(words["free"]).is_visible()
        assert page.locator(".phase-priority").is_visible()
        screenshot(page, f"public-bulletins-{language}")

        page.get_by_role("link", name=words["country"]).click()
        page.wait_for_load_state()
        assert page.get_by_role("link", name=record.name).is_visible()
        screenshot(page, f"public-bulletins-country-{language}")

        visit(page, f"{base}/settlements/{record.kato_code}/")
        page.get_by_role("link", name=words["statistics"], exact=True).click()
        page.wait_for_load_state()
        page.get_by_role("link", name="2022").click()
        page.wait_for_load_state()
        charts = page.get_by_role("img")
        assert charts.count() == 2
        assert page.locator("svg rect.bar").count() > 4
        page.locator("svg rect.bar").last.wait_for()
        screenshot(page, f"statistics-queue-{language}")

        visit(page, f"{base}/open-data/")
        assert page.locator("table.data-dictionary").count() == 2
        screenshot(page, f"open-data-{language}")
        with page.expect_download() as download_info:
            page.locator(f"a[href='/open-data/{record.kato_code}/applications.csv']").click(modifiers=["Alt"])
        assert download_info.value.path().read_text(encoding="utf-8").startswith("number,submitted_at")
