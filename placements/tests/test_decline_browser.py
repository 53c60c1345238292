"""A parent declines a referral in a real browser at a phone's width, in Kazakh and Russian (issue 14).

G1 took one of the bulletin's two places; their parent reads what they give
up, declines, and sees the referral declined. G3, next in line, now holds
access: their parent opens the places, presses Get referral, types the code
from the SMS and gets the place G1 gave back. Screenshots go to var/screenshots/.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.tests.helpers import code_sent_to
from bulletins.tests.factories import parent_of
from conftest import PARENT_BACKEND, screenshot
from placements.choices import ReferralStatus
from placements.models import Referral
from placements.tests.factories import take
from placements.tests.pages import AN_HOUR_LATER, places_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.clock(AN_HOUR_LATER, tick=True)]

WORDS = {
    "kk": {
        "gives_up": "Неден бас тартасыз",
        "next_child": "Орын бірден осы кезектегі келесі балаға беріледі.",
        "confirm": "Иә, жолдамадан бас тартамын",
        "declined": "Бас тартылды: сіз орыннан бас тарттыңыз",
    },
    "ru": {
        "gives_up": "От чего вы отказываетесь",
        "next_child": "Место сразу переходит к следующему ребёнку в очереди.",
        "confirm": "Да, отказаться от направления",
        "declined": "Отказ: вы отказались от места",
    },
}


@pytest.fixture
def phone_page_of(chromium, live_server, client):
    """A phone-sized page signed in as the parent of an application, speaking ``language``."""
    contexts = []

    def open_as(application, language: str):
        client.force_login(parent_of(application), backend=PARENT_BACKEND)
        context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="kk-KZ")
        context.add_cookies(
            [
                {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.viewport_name = f"phone-{language}"
        return page

    yield open_as
    for context in contexts:
        context.close()


def click(page, selector):
    page.locator(selector).first.click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", sorted(WORDS))
def test_a_declined_place_goes_to_the_next_child_in_line(
    phone_page_of, live_server, clock, waiting_four, place, language
):
    words = WORDS[language]
    g1, _g2, g3, _g4 = waiting_four
    referral = take(g1, place, now=AN_HOUR_LATER)

    page = phone_page_of(g1, language)
    page.goto(live_server.url + reverse("placements:referral", args=[referral.number]))
    click(page, "a.decline-link")
    assert page.get_by_text(words["gives_up"]).is_visible()
    assert page.get_by_text(words["next_child"]).is_visible()
    with translation.override(language):
        kindergarten = referral.kindergarten.name
    assert page.get_by_text(kindergarten).first.is_visible()
    screenshot(page, "decline-referral")
    page.get_by_role("button", name=words["confirm"]).click()
    page.wait_for_load_state()

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert page.get_by_text(words["declined"]).first.is_visible()
    assert page.locator("a.decline-link").count() == 0
    screenshot(page, "referral-declined")

    next_page = phone_page_of(g3, language)
    next_page.goto(live_server.url + places_url(g3))
    screenshot(next_page, "places-after-decline")
    click(next_page, "form.place-take button[type=submit]")
    next_page.locator("input[name=code]").fill(code_sent_to(g3.applicant.phone))
    click(next_page, "form.take-form button[type=submit]")

    taken = Referral.objects.get(application=g3)
    assert (taken.status, taken.place_id) == (ReferralStatus.ISSUED, place.pk)
    assert next_page.url.endswith(f"/cabinet/referrals/{taken.number}/")
    screenshot(next_page, "referral-of-the-next-child")
