"""The public check of a printed referral: genuine and valid or not, saying as little as that needs."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from applications import services as application_services
from applications.choices import BenefitCategory
from applications.tests.factories import child_details, document, submit
from bulletins.tests.factories import at
from placements import services
from placements.tests.factories import take
from placements.tests.pages import AN_HOUR_LATER
from placements.views import VERIFY_LOOKUPS_PER_WINDOW

pytestmark = [pytest.mark.clock(AN_HOUR_LATER, tick=True), pytest.mark.usefixtures("clock", "english_pages")]


@pytest.fixture
def referral(waiting_four, place):
    return take(waiting_four[0], place, now=AN_HOUR_LATER)


def verify_url(code: str) -> str:
    return reverse("placements:verify", args=[code])


def check(client, referral) -> str:
    response = client.get(verify_url(referral.verification_code))
    assert response.status_code == 200
    return response.content.decode()


def test_a_valid_referral_says_so_with_the_least_about_the_child(client, referral):
    response = client.get(verify_url(referral.verification_code))

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    page = response.content.decode()
    assert "verify-result-valid" in page
    assert "This referral is genuine and valid through 22.12.2026" in page
    assert referral.display_number in page
    assert referral.kindergarten.name in page
    assert referral.group.name in page
    child = referral.child
    assert f"{child.name} {child.surname[0]}." in page
    for private in (child.iin, child.surname, child.patronymic or child.surname, "12.04.2022"):
        assert private not in page
    assert referral.application.applicant.iin not in page
    assert referral.application.number not in page


def test_the_code_may_be_typed_in_lower_case(client, referral):
    page = client.get(verify_url(referral.verification_code.lower())).content.decode()
    assert "verify-result-valid" in page


def test_the_form_leads_to_the_answer(client, referral):
    response = client.get(reverse("placements:verify_form"), {"code": f" {referral.verification_code} "})
    assert response.status_code == 302
    assert response.url == verify_url(referral.verification_code)
    assert "Verification code" in client.get(reverse("placements:verify_form")).content.decode()


def test_an_unknown_code_is_plainly_not_found(client, referral):
    for code in ("ABCDEFGHJKMN", "x" * 40, "<script>"):
        response = client.get(verify_url(code))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Not found" in page
        assert referral.kindergarten.name not in page


def test_after_a_no_show_the_referral_is_annulled(client, referral, staff):
    services.report_no_show(referral=referral, actor=staff, now=AN_HOUR_LATER + datetime.timedelta(hours=1))
    page = check(client, referral)
    assert "verify-result-annulled" in page
    assert "Annulled: not used in time" in page
    assert "not valid now" in page


def test_past_its_last_day_the_referral_is_expired_even_before_the_job_annuls_it(client, referral):
    with time_machine.travel(at(23, 0, 1), tick=False):
        page = check(client, referral)
    assert "verify-result-expired" in page

    services.annul_expired_referrals(now=at(23, 1))
    assert "verify-result-annulled" in check(client, referral)


def test_an_enrolled_referral_is_used(client, referral, staff):
    services.register_enrolment(
        referral=referral, actor=staff, now=AN_HOUR_LATER + datetime.timedelta(days=1)
    )
    assert "Used: the child is enrolled" in check(client, referral)


@pytest.fixture
def serviceman_child(waiting_four, settlement_a, specialist_a):
    """A serviceman's child (out of turn, confirmed): first in the queue when the bulletin opens."""
    application = submit(
        settlement_a,
        child=child_details(name="Дәулет"),
        documents=[document(BenefitCategory.SERVICEMAN, datetime.date(2026, 11, 20))],
        now=at(20, month=11),
    )
    application_services.confirm_benefit(
        document=application.benefit_documents.get(), actor=specialist_a, now=at(20, 12, month=11)
    )
    return application


def test_an_out_of_turn_referral_awaits_confirmation_then_may_be_cancelled(
    client, serviceman_child, place, specialist_a
):
    referral = take(serviceman_child, place, now=AN_HOUR_LATER)

    page = check(client, referral)
    assert "verify-result-awaiting_confirmation" in page
    assert "not valid yet" in page

    services.refuse_referral_benefit(
        referral=referral, actor=specialist_a, reason="The certificate is older than a month.", now=at(15)
    )
    page = check(client, referral)
    assert "verify-result-cancelled" in page
    assert "certificate is older" not in page  # the department's reason is the family's, not the public's


def test_the_31st_look_up_from_one_address_is_refused(client, referral):
    for _lookup in range(VERIFY_LOOKUPS_PER_WINDOW):
        assert client.get(verify_url(referral.verification_code)).status_code == 200

    response = client.get(verify_url(referral.verification_code))

    assert VERIFY_LOOKUPS_PER_WINDOW == 30
    assert response.status_code == 429
    assert "Too many checks" in response.content.decode()
    assert referral.kindergarten.name not in response.content.decode()
    # Another address is not held back.
    other = client.get(verify_url(referral.verification_code), REMOTE_ADDR="10.0.0.7")
    assert other.status_code == 200
