"""In a browser, at a phone's and a desktop's width, in Kazakh and Russian (issue 14):

the specialist signs in on the staff's sign-in page (headed as the site is, controls of 24 by 24 px at
least) and finds the day's work on the admin's index; the
kindergarten's staff and the call-centre operator sign in on the same page and
land on their desks; a page refused to them says so in their language.
Screenshots are in var/screenshots/.
"""

import pytest
import time_machine

from accounts.tests.helpers import enter_authenticator_code
from applications.tests.test_parent_pages_browser import SMALL_TARGETS
from bulletins.tests.factories import kindergarten_staff
from conftest import screenshot
from placements.tests.test_today import MORNING, week  # noqa: F401 (the scripted week, a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"  # the factories' password
WIDTHS = [390, 1366]
WORDS = {
    "kk": {
        "today": "Бүгін, 22.12.2026: не істеу керек",
        "refused": "Бұл бет сізге ашық емес",
        "sign_in": "Қызметкерлердің кіруі",
    },
    "ru": {
        "today": "Сегодня, 22.12.2026: что нужно сделать",
        "refused": "Эта страница вам недоступна",
        "sign_in": "Вход для сотрудников",
    },
}


@pytest.fixture(params=[(language, width) for language in WORDS for width in WIDTHS], ids=str)
def page_in(request, chromium, live_server):
    """A page at the width, with the language chosen (the site's language cookie), at Tuesday's morning."""
    language, width = request.param
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale=f"{language}-KZ")
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.viewport_name = f"{language}-{width}"
    page.language = language
    with time_machine.travel(MORNING, tick=True):
        yield page
    context.close()


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    enter_authenticator_code(page, user)


def test_the_specialist_lands_on_the_day_s_work(page_in, live_server, week, specialist_a):  # noqa: F811
    page = page_in
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    assert page.locator("h1").inner_text() == WORDS[page.language]["sign_in"]
    assert page.title().startswith(WORDS[page.language]["sign_in"])
    assert page.evaluate(SMALL_TARGETS) == []
    screenshot(page, "staff-sign-in")
    sign_in(page, live_server, specialist_a)

    assert page.url == f"{live_server.url}/admin/"
    today = page.locator("section.today")
    assert today.locator("h2").inner_text() == WORDS[page.language]["today"]
    assert today.locator("tbody tr").count() == 7
    assert today.locator(".today-due").count() == 7
    box = today.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= page.viewport_size["width"] + 1, "the table fits the screen"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"], (
        "no sideways scroll"
    )
    assert page.evaluate(SMALL_TARGETS) == []  # the day's links, the header's, the list of models
    screenshot(page, "specialist-today")
    today.locator("tbody tr").first.locator("a").click()
    page.wait_for_load_state()
    assert "/admin/applications/benefitdocument/?check=mine" in page.url


def test_desk_staff_sign_in_on_the_staff_page_and_land_on_their_desks(
    page_in, live_server, kindergarten_a, call_centre_operator
):
    page = page_in
    kindergarten_user = kindergarten_staff(kindergarten_a, username="head_of_a", is_staff=True)

    sign_in(page, live_server, kindergarten_user)
    assert page.url == f"{live_server.url}/kindergarten/"
    screenshot(page, "kindergarten-landing")
    page.goto(f"{live_server.url}/admin/applications/application/")
    assert page.locator("h1").inner_text() == WORDS[page.language]["refused"]
    screenshot(page, "kindergarten-refused")
    page.locator("a.button").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/kindergarten/"

    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": page.language, "url": live_server.url}])
    sign_in(page, live_server, call_centre_operator)
    assert page.url == f"{live_server.url}/desk/"
    screenshot(page, "operator-landing")
