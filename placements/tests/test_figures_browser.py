"""In a browser at a desktop's width, in Kazakh: the department head finds the queues and the places given
of each district side by side on the admin's home (issue 14 item 2; issue 13 item 2).
Screenshots are in var/screenshots/.
"""

import pytest
import time_machine

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from bulletins.tests.factories import at, waiting
from conftest import screenshot
from placements.tests.test_today import MORNING, week  # noqa: F401 (the scripted week, a fixture)
from placements.tests.test_today_browser import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page_kk(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="kk-KZ")
    context.add_cookies([{"name": "django_language", "value": "kk", "url": live_server.url}])
    page = context.new_page()
    page.viewport_name = "kk-1366"
    with time_machine.travel(MORNING, tick=True):
        yield page
    context.close()


def test_the_department_head_sees_each_district_s_charts_side_by_side(
    page_kk,
    live_server,
    week,  # noqa: F811
    district_a,
    district_b,
    settlement_b,
):
    page = page_kk
    waiting(settlement_b, 3, first=at(3, month=10))
    head = UserFactory(
        username="head_of_department", role=Role.SPECIALIST, is_staff=True, districts=[district_a, district_b]
    )
    sign_in(page, live_server, head)

    section = page.locator("section.figures")
    screenshot(page, "staff-figures")
    assert section.locator("h2").inner_text() == "Аудандар бойынша кезектер мен берілген орындар"
    districts = section.locator(".figures-district")
    assert districts.count() == 2
    assert districts.nth(0).locator("h3").inner_text() == "Алмалы ауданы"
    assert districts.nth(1).locator("h3").inner_text() == "Бостандық ауданы"
    assert "Қазір 3 бала күтіп тұр" in districts.nth(1).inner_text()
    left, right = districts.nth(0).bounding_box(), districts.nth(1).bounding_box()
    assert abs(left["y"] - right["y"]) < 1, "the districts stand side by side"
    assert right["x"] >= left["x"] + left["width"]
    assert right["x"] + right["width"] <= 1366
    for index in range(2):
        charts = districts.nth(index).locator("svg[role=img]")
        assert charts.count() == 2
        assert charts.first.bounding_box()["width"] > 300
    assert districts.nth(0).locator("svg > title").first.text_content() == "Алмалы ауданы: кезектегі балалар"
