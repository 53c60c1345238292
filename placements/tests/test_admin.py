"""Referrals in the admin: read-only, the out-of-turn benefit decision, and no way to take one."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from applications import services as application_services
from applications.choices import BenefitCategory, Status
from applications.tests.factories import child_details, document, submit
from bulletins.tests.factories import MONDAY_14_DECEMBER, at
from placements.choices import ReferralStatus
from placements.models import Referral
from placements.tests.factories import take

NOW = MONDAY_14_DECEMBER
TUESDAY = at(15, 11)


# Pages read the clock: Tuesday 15 December, the referrals taken the day before are valid.
pytestmark = [pytest.mark.clock(TUESDAY), pytest.mark.usefixtures("clock", "english_pages")]


@pytest.fixture
def e1(waiting_four, settlement_a, specialist_a):
    """A serviceman's child, applied on 20 November with a certificate of that day, confirmed at once."""
    application = submit(
        settlement_a,
        child=child_details(),
        documents=[document(BenefitCategory.SERVICEMAN, datetime.date(2026, 11, 20))],
        now=at(20, month=11),
    )
    application_services.confirm_benefit(
        document=application.benefit_documents.get(), actor=specialist_a, now=at(20, 12, month=11)
    )
    return application


@pytest.fixture
def waiting_referral(e1, place, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return take(e1, place, now=NOW + datetime.timedelta(hours=1))


@pytest.fixture
def issued_referral(waiting_four, place, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return take(waiting_four[0], place, now=NOW + datetime.timedelta(hours=1))


def referral_url(name, referral):
    return reverse(f"admin:placements_referral_{name}", args=[referral.pk])


def texts_of_messages(response):
    return [str(message) for message in response.context["messages"]]


def test_specialists_see_the_referrals_of_their_district_only(
    client, specialist_a, specialist_b, issued_referral
):
    client.force_login(specialist_a)
    listing = client.get(reverse("admin:placements_referral_changelist"))

    assert listing.status_code == 200
    for text in (
        issued_referral.display_number,
        issued_referral.child.full_name,
        str(issued_referral.kindergarten),
        "Issued",
        "Dec. 22, 2026",
    ):
        assert text in listing.text
    page = client.get(referral_url("change", issued_referral))
    assert page.status_code == 200
    assert referral_url("confirm_benefit", issued_referral) not in page.text
    assert issued_referral.verification_code not in page.text

    client.force_login(specialist_b)
    assert (
        issued_referral.display_number not in client.get(reverse("admin:placements_referral_changelist")).text
    )
    assert client.get(referral_url("change", issued_referral)).status_code == 404


def test_a_specialist_confirms_the_benefit_of_a_waiting_referral(client, specialist_a, e1, waiting_referral):
    client.force_login(specialist_a)

    page = client.get(referral_url("change", waiting_referral))
    assert referral_url("confirm_benefit", waiting_referral) in page.text
    assert referral_url("refuse_benefit", waiting_referral) in page.text
    asked = client.get(referral_url("confirm_benefit", waiting_referral))
    assert asked.status_code == 200
    assert list(asked.context["documents"]) == list(e1.benefit_documents.all())
    confirmed = client.post(referral_url("confirm_benefit", waiting_referral), follow=True)

    waiting_referral.refresh_from_db()
    e1.refresh_from_db()
    assert waiting_referral.status == ReferralStatus.ISSUED
    assert e1.status == Status.REFERRAL_ISSUED
    assert any("the kindergarten sees it" in text for text in texts_of_messages(confirmed))


def test_confirming_without_a_fresh_certificate_is_refused_on_the_page(
    client, specialist_a, waiting_referral
):
    # The certificate of 20 November is more than a month old on 21 December.
    with time_machine.travel(at(21, 11), tick=False):
        client.force_login(specialist_a)
        response = client.post(referral_url("confirm_benefit", waiting_referral))

    assert response.status_code == 200
    assert "Confirm a fresh employer certificate first" in response.text
    waiting_referral.refresh_from_db()
    assert waiting_referral.status == ReferralStatus.AWAITING_CONFIRMATION


def test_a_specialist_refuses_the_benefit_with_a_reason(client, specialist_a, e1, waiting_referral):
    client.force_login(specialist_a)

    empty = client.post(referral_url("refuse_benefit", waiting_referral), {"reason": ""})
    refused = client.post(
        referral_url("refuse_benefit", waiting_referral), {"reason": "The certificate is not genuine."}
    )

    assert empty.status_code == 200
    assert empty.context["form"].errors["reason"]
    assert refused.status_code == 302
    waiting_referral.refresh_from_db()
    e1.refresh_from_db()
    assert (waiting_referral.status, waiting_referral.reason) == (
        ReferralStatus.CANCELLED,
        "The certificate is not genuine.",
    )
    assert e1.status == Status.IN_QUEUE


def test_the_benefit_decision_is_only_for_a_waiting_referral_in_scope(
    client, specialist_a, specialist_b, waiting_referral, issued_referral
):
    client.force_login(specialist_b)
    assert client.get(referral_url("confirm_benefit", waiting_referral)).status_code == 404
    assert client.post(referral_url("refuse_benefit", waiting_referral), {"reason": "No."}).status_code == 404

    client.force_login(specialist_a)
    response = client.post(referral_url("confirm_benefit", issued_referral))
    assert response.status_code == 302
    issued_referral.refresh_from_db()
    assert issued_referral.status == ReferralStatus.ISSUED


def test_nobody_can_take_a_referral_through_the_admin(client, superuser, specialist_a, waiting_four, place):
    before = Referral.objects.count()
    for user in (superuser, specialist_a):
        client.force_login(user)
        assert client.get(reverse("admin:placements_referral_add")).status_code == 403
        data = {"application": waiting_four[0].pk, "place": place.pk}
        assert client.post(reverse("admin:placements_referral_add"), data).status_code == 403
        listing = client.get(reverse("admin:placements_referral_changelist"))
        assert listing.context["has_add_permission"] is False
        assert listing.context["action_form"] is None  # no admin action at all
        assert reverse("admin:placements_referral_add") not in listing.text
    assert Referral.objects.count() == before


# --- enrolment registered by the department (RULES.md section 1) ------------------------------------


def test_the_district_specialist_registers_enrolment_from_the_referral(client, issued_referral, specialist_a):
    client.force_login(specialist_a)

    page = client.get(reverse("admin:placements_referral_change", args=[issued_referral.pk]))
    assert referral_url("enrol", issued_referral) in page.text
    response = client.post(referral_url("enrol", issued_referral), follow=True)

    issued_referral.refresh_from_db()
    application = issued_referral.application
    application.refresh_from_db()
    assert issued_referral.status == ReferralStatus.ENROLLED
    assert application.status == Status.ENROLLED
    assert issued_referral.enrolment.registered_by == specialist_a
    assert texts_of_messages(response) == ["Enrolment is registered: the child has left every queue."]


def test_another_district_cannot_register_the_enrolment(client, issued_referral, specialist_b):
    client.force_login(specialist_b)

    assert client.post(referral_url("enrol", issued_referral)).status_code == 404
    issued_referral.refresh_from_db()
    assert issued_referral.status == ReferralStatus.ISSUED


def test_a_referral_awaiting_its_benefit_cannot_be_enrolled_by_the_department(
    client, waiting_referral, specialist_a
):
    client.force_login(specialist_a)

    page = client.get(reverse("admin:placements_referral_change", args=[waiting_referral.pk]))
    response = client.post(referral_url("enrol", waiting_referral))

    assert referral_url("enrol", waiting_referral) not in page.text
    assert "waiting for the department to confirm the benefit" in response.text
    waiting_referral.refresh_from_db()
    assert waiting_referral.status == ReferralStatus.AWAITING_CONFIRMATION
