"""A parent's own pages served again from the cache show what they would show now (issue 11).

The application page, "My applications", the referral page, the places page and the confirmation
of Get referral are kept under everything they show (``applications.selectors.page_state``,
``placements.selectors.referral_page_state``, ``places_page_state``, ``confirm_page_state``), so
each change below must reach the
next look at once, whichever writer made it. Each test first looks twice, so
that the page is in the cache before the change.
"""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import Applicant
from applications import services as application_services
from applications.choices import BenefitCategory
from applications.tests.factories import document
from bulletins.models import Access, Bulletin
from bulletins.services import withdraw_place
from bulletins.tests.factories import at, parent_of
from core.outbox import mask_recipient
from placements.services import extend_referral
from placements.tests.factories import take
from placements.tests.pages import AN_HOUR_LATER, confirm_url, places_url, press_get_referral, signed_in
from queues.choices import LeaveReason
from queues.services import leave_queues

CABINET = reverse("applications:cabinet")

pytestmark = [
    pytest.mark.clock(AN_HOUR_LATER, tick=True),
    pytest.mark.usefixtures("english_pages", "postgresql_only"),
]


@pytest.fixture
def postgresql_only(db):
    """Rows carry versions (``xmin``) only in PostgreSQL; on SQLite these pages are never kept."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the page cache keys on PostgreSQL's row versions")


def detail_url(application) -> str:
    return reverse("applications:detail", args=[application.number])


def kept(client, url: str) -> str:
    """The page, after looks that put it in the cache (the first one only sets the CSRF cookie)."""
    client.get(url)
    client.get(url)
    return client.get(url).content.decode()


def test_a_page_looked_at_again_is_the_same_page_read_in_three_statements(
    client, waiting_four, place, django_assert_max_num_queries
):
    g3 = waiting_four[2]
    signed_in(client, g3)
    for url in (detail_url(g3), CABINET):
        first = kept(client, url)
        with django_assert_max_num_queries(3):  # the session's user, the page's state, nothing else
            again = client.get(url).content.decode()
        assert again == first


def test_a_withdrawal_ahead_moves_the_position_at_once(client, waiting_four, place):
    g4 = waiting_four[3]
    signed_in(client, g4)
    before = {url: kept(client, url) for url in (detail_url(g4), CABINET)}

    leave_queues(application_id=waiting_four[2].pk, reason=LeaveReason.WITHDRAWN, now=AN_HOUR_LATER)

    for url, page in before.items():
        assert "Position 4 of 4 in this queue." in page
        assert "Position 3 of 3 in this queue." in client.get(url).content.decode()


def test_a_referral_taken_is_on_the_page_at_once(client, waiting_four, place):
    g1 = waiting_four[0]
    signed_in(client, g1)
    before = kept(client, detail_url(g1))
    assert "You may take a referral until the end of 18.12.2026" in before

    referral = take(g1, place, now=AN_HOUR_LATER)

    page = client.get(detail_url(g1)).content.decode()
    assert f"Referral {referral.display_number} to {referral.kindergarten.name}" in page
    assert "You may take a referral until" not in page


def test_an_access_changed_before_any_referral_shows_its_new_last_day(client, waiting_four, place):
    """The accesses' versions count in the key even while the application holds no referral."""
    g1 = waiting_four[0]
    signed_in(client, g1)
    assert "You may take a referral until the end of 18.12.2026" in kept(client, detail_url(g1))

    Access.objects.filter(application=g1).update(ends_at=at(20, 0))

    assert (
        "You may take a referral until the end of 19.12.2026" in client.get(detail_url(g1)).content.decode()
    )


def test_places_open_to_everyone_when_the_window_ends_though_no_row_changed(client, waiting_four, place):
    """A window that ends in the afternoon: the page kept at 14:50 is not served at 15:01."""
    Bulletin.objects.filter(pk=place.bulletin_id).update(priority_until=at(18, 15))
    g3 = waiting_four[2]
    with time_machine.travel(at(18, 14, minute=50), tick=False):
        signed_in(client, g3)
        assert places_url(g3) not in kept(client, detail_url(g3))
    with time_machine.travel(at(18, 15, minute=1), tick=False):
        page = client.get(detail_url(g3)).content.decode()
    assert "open to everyone" in page
    assert places_url(g3) in page


def test_a_document_confirmed_by_the_department_shows_as_confirmed(client, waiting_four, place, specialist_a):
    g4 = waiting_four[3]
    upload = document(BenefitCategory.TEACHER, issued_on=datetime.date(2026, 11, 20))
    attached = application_services.add_benefit_document(application=g4, upload=upload, actor=parent_of(g4))
    signed_in(client, g4)
    assert "Awaiting verification" in kept(client, detail_url(g4))

    application_services.confirm_benefit(document=attached, actor=specialist_a, now=AN_HOUR_LATER)

    page = client.get(detail_url(g4)).content.decode()
    assert "Awaiting verification" not in page
    assert "Confirmed" in page


def test_another_browser_of_the_same_parent_gets_its_own_page(waiting_four, place):
    g3 = waiting_four[2]
    mine, other = Client(), Client()
    signed_in(mine, g3)
    signed_in(other, g3)
    kept(mine, detail_url(g3))

    other.get(detail_url(g3))
    page = other.get(detail_url(g3))

    secret = other.cookies["csrftoken"].value
    assert mine.cookies["csrftoken"].value != secret
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert _unmask(token) == secret


def test_a_form_on_a_kept_page_is_accepted(waiting_four, place):
    g3 = waiting_four[2]
    browser = Client(enforce_csrf_checks=True)
    signed_in(browser, g3)
    page = kept(browser, detail_url(g3))
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    signed_out = browser.post(reverse("accounts:sign_out"), {"csrfmiddlewaretoken": token})

    assert signed_out.status_code == 302
    assert browser.get(detail_url(g3)).status_code == 302  # to the sign-in: the kept page is not served


def test_another_family_never_gets_the_kept_page(client, waiting_four, place):
    g1, g2 = waiting_four[:2]
    signed_in(client, g1)
    kept(client, detail_url(g1))

    signed_in(client, g2)

    assert client.get(detail_url(g1)).status_code == 404


def test_a_page_kept_before_midnight_is_not_served_after_it(client, waiting_four, place):
    g1 = waiting_four[0]
    with time_machine.travel(at(18, 23, minute=59), tick=False):
        signed_in(client, g1)
        assert "You may take a referral until the end of 18.12.2026" in kept(client, detail_url(g1))
    with time_machine.travel(at(18, 23, minute=59) + datetime.timedelta(minutes=2), tick=False):
        page = client.get(detail_url(g1)).content.decode()
    assert "You may take a referral until" not in page


def _unmask(token: str) -> str:
    from django.middleware.csrf import _unmask_cipher_token

    return _unmask_cipher_token(token)


def test_the_referral_page_shows_an_extension_and_a_kindergarten_check_at_once(client, waiting_four, place):
    g1 = waiting_four[0]
    referral = take(g1, place, now=AN_HOUR_LATER)
    url = reverse("placements:referral", args=[referral.number])
    signed_in(client, g1)
    assert "· extended" not in kept(client, url)

    extend_referral(
        referral=referral, actor=parent_of(g1), until=referral.valid_until + datetime.timedelta(days=2)
    )
    extended = client.get(url).content.decode()
    assert "· extended" in extended
    Client().get(reverse("placements:verify", args=[referral.verification_code]))

    checked = client.get(url).content.decode()
    assert checked.count("<li") > extended.count("<li")


def test_another_family_never_gets_a_kept_referral_page(client, waiting_four, place):
    g1, g2 = waiting_four[:2]
    referral = take(g1, place, now=AN_HOUR_LATER)
    url = reverse("placements:referral", args=[referral.number])
    signed_in(client, g1)
    kept(client, url)

    signed_in(client, g2)

    assert client.get(url).status_code == 404


# --- the places page and the confirmation of Get referral ------------------------------------

FREE_PLACES = re.compile(r"<dt>Free places</dt><dd>(\d+)</dd>")


def test_a_look_again_at_the_places_or_the_confirmation_is_the_same_page_read_in_three_statements(
    client, waiting_four, place, django_assert_max_num_queries
):
    g1 = waiting_four[0]
    signed_in(client, g1)
    press_get_referral(client, g1, place)
    for url in (places_url(g1), confirm_url(g1)):
        first = kept(client, url)
        with django_assert_max_num_queries(3):  # the session's user, the page's state, nothing else
            again = client.get(url).content.decode()
        assert again == first


def test_the_places_page_shows_a_place_taken_by_another_parent_at_once(client, waiting_four, place):
    g1, g2 = waiting_four[:2]
    signed_in(client, g1)
    assert FREE_PLACES.findall(kept(client, places_url(g1))) == ["2"]

    take(g2, place, now=AN_HOUR_LATER)

    assert FREE_PLACES.findall(client.get(places_url(g1)).content.decode()) == ["1"]


def test_the_places_page_shows_a_withdrawn_place_gone_at_once(client, waiting_four, place, specialist_a):
    g1 = waiting_four[0]
    signed_in(client, g1)
    assert FREE_PLACES.findall(kept(client, places_url(g1))) == ["2"]

    withdraw_place(place=place, actor=specialist_a, places=2)

    page = client.get(places_url(g1)).content.decode()
    assert FREE_PLACES.findall(page) == []
    assert "There are no free places in your child's queues right now." in page


def test_the_places_page_drops_an_access_that_ends_though_no_row_changed(client, waiting_four, place):
    g1 = waiting_four[0]
    Access.objects.filter(application=g1).update(ends_at=at(16, 15))
    with time_machine.travel(at(16, 14, minute=50), tick=False):
        signed_in(client, g1)
        assert "Your turn has come" in kept(client, places_url(g1))
    with time_machine.travel(at(16, 15, minute=1), tick=False):
        page = client.get(places_url(g1)).content.decode()
    assert "Your turn has come" not in page
    assert f'name="place" value="{place.pk}"' not in page  # no access inside the window: no button


def test_the_places_page_offers_a_place_to_everyone_when_the_window_ends(client, waiting_four, place):
    Bulletin.objects.filter(pk=place.bulletin_id).update(priority_until=at(18, 15))
    g3 = waiting_four[2]
    with time_machine.travel(at(18, 14, minute=50), tick=False):
        signed_in(client, g3)
        assert f'name="place" value="{place.pk}"' not in kept(client, places_url(g3))
    with time_machine.travel(at(18, 15, minute=1), tick=False):
        page = client.get(places_url(g3)).content.decode()
    assert f'name="place" value="{place.pk}"' in page


def test_the_places_page_follows_a_language_switch(client, waiting_four, place):
    g1 = waiting_four[0]
    signed_in(client, g1)
    assert "Free places for your child" in kept(client, places_url(g1))

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    assert "Free places for your child" not in client.get(places_url(g1)).content.decode()


def test_the_confirmation_sends_back_to_the_places_once_the_access_ends(client, waiting_four, place):
    g1 = waiting_four[0]
    Access.objects.filter(application=g1).update(ends_at=at(16, 15))
    with time_machine.travel(at(16, 14, minute=50), tick=False):
        signed_in(client, g1)
        press_get_referral(client, g1, place)
        assert "Get referral: confirm with the code" in kept(client, confirm_url(g1))
    with time_machine.travel(at(16, 15, minute=1), tick=False):
        answer = client.get(confirm_url(g1))
    assert answer.status_code == 302
    assert answer.url == places_url(g1)


def test_the_confirmation_sends_back_once_others_took_the_last_place(
    client, waiting_four, place, specialist_a
):
    g1, g2 = waiting_four[:2]
    signed_in(client, g1)
    press_get_referral(client, g1, place)
    kept(client, confirm_url(g1))

    withdraw_place(place=place, actor=specialist_a, places=1)
    take(g2, place, now=AN_HOUR_LATER)

    answer = client.get(confirm_url(g1), follow=True)
    assert answer.redirect_chain == [(places_url(g1), 302)]
    assert "This place has just been taken." in answer.content.decode()


def test_the_confirmation_names_the_phone_the_code_goes_to_now(client, waiting_four, place):
    g1 = waiting_four[0]
    signed_in(client, g1)
    press_get_referral(client, g1, place)
    kept(client, confirm_url(g1))

    with transaction.atomic():  # a write of its own, as in production: the test's transaction wrote the row
        Applicant.objects.filter(pk=g1.applicant_id).update(phone="+77019876543")

    assert mask_recipient("+77019876543") in client.get(confirm_url(g1)).content.decode()
