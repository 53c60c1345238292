"""The front page in a real browser, at a phone's and a desktop's width, in both languages."""

import pytest

from applications.tests.factories import submit
from conftest import screenshot
from directory.tests.factories import DistrictFactory, KindergartenFactory, SettlementFactory
from queues import summary

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitor_goes_from_region_to_settlement_and_finds_it_by_name(browser_page, live_server):
    konaev = SettlementFactory(
        district=DistrictFactory(kato_code="191600000", name_kk="Қонаев қаласы", name_ru="город Конаев"),
        kato_code="191610000",
        name_kk="Қонаев",
        name_ru="Конаев",
    )
    KindergartenFactory(settlement=konaev, name_kk="№1 «Балдырған» бөбекжай-бақшасы")
    SettlementFactory(district=DistrictFactory(kato_code="751000000", name_kk="Алмалы ауданы"))
    submit(konaev)
    summary.refresh()
    page = browser_page
    page.goto(live_server.url)
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.get_by_role("row", name="Алматы облысы").is_visible()
    assert page.get_by_role("row", name="Алматы қаласы").is_visible()
    assert page.get_by_text("Көрсеткіштер").is_visible()
    screenshot(page, "home-kk")

    page.get_by_role("link", name="Алматы облысы").click()
    page.get_by_role("link", name="Қонаев қаласы").click()
    page.get_by_role("link", name="Қонаев", exact=True).click()
    assert page.get_by_role("heading", name="Қонаев").is_visible()
    assert page.get_by_text("№1 «Балдырған» бөбекжай-бақшасы").is_visible()
    screenshot(page, "settlement-kk")

    page.get_by_role("link", name="Русский", exact=True).click()
    page.wait_for_load_state()
    page.goto(live_server.url)
    assert page.locator("html").get_attribute("lang") == "ru", "the choice is remembered"
    page.get_by_role("searchbox").fill("конаев")
    page.get_by_role("button", name="Найти").click()
    assert page.get_by_role("link", name="Конаев").is_visible()
    assert page.get_by_text("Алматинская область").first.is_visible()
    assert page.get_by_text("Услуга оказывается бесплатно").is_visible()
    screenshot(page, "home-ru")
