"""The referral's public check and its PDF download are in the audit trail (issue 6 item 7)."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from placements.tests.factories import take
from placements.tests.pages import AN_HOUR_LATER, signed_in

pytestmark = [pytest.mark.clock(AN_HOUR_LATER, tick=True), pytest.mark.usefixtures("clock", "english_pages")]


@pytest.fixture
def referral(waiting_four, place):
    return take(waiting_four[0], place, now=AN_HOUR_LATER)


def test_a_public_check_is_recorded_on_the_referral_without_its_code(client, referral):
    response = client.get(reverse("placements:verify", args=[referral.verification_code]))

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="referral.verified")
    assert (event.target_type, event.target_id) == ("placements.referral", str(referral.pk))
    assert event.actor is None
    assert event.details == {"found": True}
    assert event.request_id == response["X-Request-ID"]


def test_a_check_of_an_unknown_code_is_recorded_as_not_found(client, referral):
    client.get(reverse("placements:verify", args=["ZZZZZZZZ"]))

    event = AuditEvent.objects.get(action="referral.verified")
    assert event.target_type == ""
    assert event.details == {"found": False}


def test_the_pdf_download_is_recorded_with_the_parent(client, referral):
    parent = signed_in(client, referral.application)

    response = parent.get(reverse("placements:referral_pdf", args=[referral.number]))

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="referral.downloaded")
    assert event.target_id == str(referral.pk)
    assert (event.actor.pk, event.actor_role) == (referral.application.applicant.user_id, "parent")


def test_the_parent_reads_the_public_checks_once_a_day_while_the_trail_keeps_each(client, referral, clock):
    check = reverse("placements:verify", args=[referral.verification_code])
    for _ in range(3):
        client.get(check)
    clock.shift(24 * 3600)
    client.get(check)

    parent = signed_in(client, referral.application)
    page = parent.get(reverse("placements:referral", args=[referral.number])).text

    assert page.count("Printed referral checked") == 2
    assert "Printed referral checked</strong> (3 times that day)" in page
    assert AuditEvent.objects.filter(action="referral.verified").count() == 4
