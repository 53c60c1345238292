"""The log of openings in a real browser, at a phone's and a desktop's width, in Kazakh and Russian."""

import pytest

from bulletins import services
from bulletins.models import Opening
from bulletins.tests.factories import MONDAY_14_DECEMBER, at, group_in, published_bulletin, waiting
from conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "kk": ("Орындардың ашылу журналы", "Сол кездегі орны"),
    "ru": ("Журнал открытия мест", "Позиция на тот момент"),
}


@pytest.fixture
def opened(settlement_a, kindergarten_a, specialist_a):
    group = group_in(kindergarten_a)
    applications = waiting(settlement_a, 5, first=at(3, 9, month=11))
    bulletin = published_bulletin(specialist_a, {group: 3}, now=MONDAY_14_DECEMBER)
    services.open_access(bulletin_id=bulletin.pk, now=MONDAY_14_DECEMBER)
    return applications


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_anyone_reads_the_log_and_an_entry_without_scrolling_sideways(
    browser_page, live_server, opened, language
):
    page, base = browser_page, live_server.url
    title, position_heading = WORDS[language]
    page.goto(f"{base}/language/{language}/?next=/openings/")

    assert page.locator("h1").inner_text() == title
    entry = Opening.objects.get()
    assert page.get_by_text(entry.hash).first.is_visible()
    assert _fits(page)
    screenshot(page, f"openings-{language}")

    page.locator(f"a[href='/openings/{entry.seq}/']").first.click()
    page.wait_for_load_state()

    assert page.get_by_role("columnheader", name=position_heading).is_visible()
    for application in opened[:3]:
        assert page.get_by_role("cell", name=application.number).is_visible()
    assert page.get_by_text(opened[3].number).count() == 0
    assert _fits(page)
    screenshot(page, f"opening-{language}")


def _fits(page) -> bool:
    """Nothing wider than the window: a phone reader never scrolls the page sideways (hashes wrap)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
