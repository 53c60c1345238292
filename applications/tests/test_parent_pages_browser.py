"""The parent's pages in a browser, in Kazakh and Russian at 390 and 1366 px (issue 14, item 4):

the front page offers the four ways in, the receipt has a print button that
prints, and every control a finger or a mouse aims at is at least 24 by 24
CSS pixels (WCAG 2.2, target size), links inside running text excepted as
WCAG excepts them. Screenshots are in var/screenshots/.
"""

import pytest
from django.conf import settings
from django.test import Client

from applications.tests.factories import submit
from bulletins.tests.factories import parent_of
from conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

FOUR_WAYS_IN = {
    "kk": ["Кіру", "Өтініш беру", "Орынды тексеру", "Бюллетеньдер"],
    "ru": ["Войти", "Подать заявление", "Проверить место", "Бюллетени свободных мест"],
}

# Every control aimed at: buttons, inputs, and links that are not words inside a sentence or a list of them.
SMALL_TARGETS = """
() => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
  .filter(element => element.offsetParent !== null)
  .filter(element => !(element.tagName === 'A' && element.closest('p, li, td, dd, .helptext, .breadcrumb')
                        && !element.classList.contains('button')))
  .map(element => [element, element.getBoundingClientRect()])
  .filter(([element, box]) => box.width < 24 || box.height < 24)
  .map(([element, box]) => `${element.tagName} "${element.textContent.trim().slice(0, 30)}" `
                           + `${box.width}x${box.height}`)
"""


@pytest.fixture(params=[(language, width) for language in FOUR_WAYS_IN for width in (390, 1366)], ids=str)
def page_in(request, chromium, live_server):
    language, width = request.param
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale=f"{language}-KZ")
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    page = context.new_page()
    page.viewport_name = f"{language}-{width}"
    page.language = language
    yield page
    context.close()


def signed_in_as(page, live_server, user):
    """The browser carries the session a sign-in would leave (the sign-in itself has its own browser test)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_the_front_page_offers_the_four_ways_in(page_in, live_server, settlement_a):
    page = page_in
    page.goto(f"{live_server.url}/")

    ways = page.locator("nav.front-actions a")
    assert ways.all_inner_texts() == FOUR_WAYS_IN[page.language]
    assert page.evaluate(SMALL_TARGETS) == []
    screenshot(page, "front-page")
    ways.last.click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/bulletins/"


def test_the_receipt_prints_from_its_button(page_in, live_server, settlement_a):
    page = page_in
    application = submit(settlement_a)
    signed_in_as(page, live_server, parent_of(application))
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")
    page.goto(f"{live_server.url}/cabinet/applications/{application.number}/receipt/")

    button = page.locator("button[data-print]")
    assert button.is_visible()
    assert page.evaluate(SMALL_TARGETS) == []
    screenshot(page, "receipt")
    button.click()
    assert page.evaluate("window.printed") == 1


def test_the_position_check_has_no_small_targets(page_in, live_server, settlement_a):
    page = page_in
    page.goto(f"{live_server.url}/check/")

    assert page.evaluate(SMALL_TARGETS) == []
