"""Get referral through the pages: the button sends a fresh code, the code from the SMS takes the place."""

import pytest
from django.test import TestCase
from django.urls import reverse

from accounts.models import OneTimeCode
from accounts.tests.helpers import wrong
from applications.choices import Status
from bulletins import services as bulletin_services
from placements.choices import ReferralStatus
from placements.models import Referral
from placements.tests.factories import take
from placements.tests.pages import (
    AN_HOUR_LATER,
    confirm_url,
    places_url,
    press_get_referral,
    signed_in,
    take_through_the_pages,
)
from placements.views import SESSION_TAKE

pytestmark = [pytest.mark.clock(AN_HOUR_LATER, tick=True), pytest.mark.usefixtures("clock", "english_pages")]


def test_the_parent_takes_a_referral_with_the_code_from_the_sms(client, waiting_four, place):
    g1 = waiting_four[0]
    signed_in(client, g1)

    response, code = press_get_referral(client, g1, place)
    assert response.status_code == 302
    assert response.url == f"/cabinet/applications/{g1.number}/get-referral/"
    confirmation = client.get(confirm_url(g1))
    page = confirmation.content.decode()
    assert place.group.kindergarten.name in page
    assert place.group.name in page
    assert g1.child.full_name in page
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page
    assert "The service is free" in page
    # The session remembers the place and the code's id, never the code.
    pending = client.session[SESSION_TAKE]
    assert pending == {"application": g1.pk, "place": place.pk, "code": pending["code"]}
    assert code not in str(pending)

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(confirm_url(g1), {"code": code}, follow=True)

    referral = Referral.objects.get()
    assert (referral.application, referral.place, referral.status) == (g1, place, ReferralStatus.ISSUED)
    assert referral.taken_by == g1.applicant.user
    assert response.redirect_chain[-1][0] == reverse("placements:referral", args=[referral.number])
    page = response.content.decode()
    assert f"Referral {referral.display_number} is yours" in page
    assert referral.verification_code in page
    assert SESSION_TAKE not in client.session
    g1.refresh_from_db()
    assert g1.status == Status.REFERRAL_ISSUED


def test_a_wrong_code_is_refused_on_the_form_and_nothing_is_taken(client, waiting_four, place):
    g1 = waiting_four[0]
    signed_in(client, g1)
    _response, code = press_get_referral(client, g1, place)

    response = client.post(confirm_url(g1), {"code": wrong(code)})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Wrong code. Check the SMS and try again: 4 attempts left." in page
    assert 'aria-invalid="true"' in page
    assert not Referral.objects.exists()
    place.refresh_from_db()
    assert place.taken == 0
    # The right code still works afterwards.
    client.post(confirm_url(g1), {"code": code})
    assert Referral.objects.filter(application=g1).exists()


def test_a_malformed_code_is_refused_before_the_service(client, waiting_four, place):
    g1 = waiting_four[0]
    signed_in(client, g1)
    press_get_referral(client, g1, place)

    response = client.post(confirm_url(g1), {"code": "12ab"})

    assert "The code is 6 digits." in response.content.decode()
    assert OneTimeCode.objects.get(purpose="take_referral").failed_attempts == 0


def test_a_place_taken_meanwhile_sends_the_parent_back_with_the_clear_message(
    client, waiting_four, place, staff
):
    g1, g2 = waiting_four[:2]
    signed_in(client, g1)
    _response, code = press_get_referral(client, g1, place)
    # Meanwhile the kindergarten withdraws one of the two places and G2 takes the other.
    bulletin_services.withdraw_place(place=place, actor=staff, now=AN_HOUR_LATER)
    take(g2, place, now=AN_HOUR_LATER)

    response = client.post(confirm_url(g1), {"code": code}, follow=True)

    assert response.redirect_chain[-1][0] == places_url(g1)
    assert "This place has just been taken. Choose another place or try again later." in (
        response.content.decode()
    )
    assert not Referral.objects.filter(application=g1).exists()
    assert SESSION_TAKE not in client.session


def test_a_place_gone_before_the_code_is_asked_for_sends_no_code(client, waiting_four, place, staff):
    g1, g2 = waiting_four[:2]
    signed_in(client, g1)
    bulletin_services.withdraw_place(place=place, actor=staff, now=AN_HOUR_LATER)
    take(g2, place, now=AN_HOUR_LATER)

    response = client.post(places_url(g1), {"place": place.pk}, follow=True)

    assert "This place has just been taken." in response.content.decode()
    assert not OneTimeCode.objects.filter(iin=g1.applicant.iin, purpose="take_referral").exists()


def test_a_parent_without_access_cannot_ask_for_a_code(client, waiting_four, place):
    g3 = waiting_four[2]
    signed_in(client, g3)

    response = client.post(places_url(g3), {"place": place.pk}, follow=True)

    assert "offered first to the applicants at the head of the queue" in response.content.decode()
    assert not OneTimeCode.objects.filter(purpose="take_referral").exists()


def test_pressing_again_at_once_reuses_the_code_just_sent(client, waiting_four, place):
    g1 = waiting_four[0]
    signed_in(client, g1)
    _response, code = press_get_referral(client, g1, place)

    response = client.post(places_url(g1), {"place": place.pk}, follow=True)

    assert "Enter the code we sent a moment ago" in response.content.decode()
    assert OneTimeCode.objects.filter(purpose="take_referral").count() == 1
    client.post(confirm_url(g1), {"code": code})
    assert Referral.objects.filter(application=g1, place=place).exists()


def test_the_confirmation_page_without_a_pressed_place_goes_back_to_the_places(client, waiting_four, place):
    g1 = waiting_four[0]
    response = signed_in(client, g1).get(confirm_url(g1))
    assert response.status_code == 302
    assert response.url == places_url(g1)


def test_a_pending_take_of_one_application_does_not_serve_another(client, waiting_four, place):
    g1 = waiting_four[0]
    signed_in(client, g1)
    _response, code = press_get_referral(client, g1, place)
    session = client.session
    session[SESSION_TAKE] = {**session[SESSION_TAKE], "application": waiting_four[3].pk}
    session.save()

    response = client.post(confirm_url(g1), {"code": code})

    assert response.status_code == 302
    assert not Referral.objects.exists()


def test_a_child_already_holding_a_referral_has_no_button(client, waiting_four, place):
    g1 = waiting_four[0]
    signed_in(client, g1)
    referral = take_through_the_pages(client, g1, place).context["referral"]

    page = client.get(places_url(g1)).content.decode()

    assert f"Your child already holds referral {referral.display_number}" in page
    assert 'name="place"' not in page
    assert "This child already holds a referral" in page


@pytest.mark.parametrize("who", ["specialist", "superuser"])
def test_staff_cannot_reach_the_confirmation(who, client, waiting_four, place, specialist_a, superuser):
    client.force_login({"specialist": specialist_a, "superuser": superuser}[who])
    g1 = waiting_four[0]
    assert client.get(confirm_url(g1)).status_code == 403
    assert client.post(confirm_url(g1), {"code": "123456"}).status_code == 403
    assert not Referral.objects.exists()
