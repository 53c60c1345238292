"""The front page in a real browser, at a phone's and a desktop's width, in both languages."""

import pytest

from conftest import screenshot
from directory.tests.factories import KindergartenFactory, SettlementFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_front_page_lists_settlements_and_switches_language(browser_page, live_server):
    KindergartenFactory(settlement=SettlementFactory(name_kk="Қонаев", name_ru="Конаев"))
    page = browser_page
    page.goto(live_server.url)
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.get_by_role("row", name="Қонаев").is_visible()
    screenshot(page, "home-kk")

    page.get_by_role("link", name="Русский", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("row", name="Конаев").is_visible()
    assert page.get_by_text("Услуга оказывается бесплатно").is_visible()
    screenshot(page, "home-ru")

    page.goto(live_server.url)
    assert page.locator("html").get_attribute("lang") == "ru", "the choice is remembered"
