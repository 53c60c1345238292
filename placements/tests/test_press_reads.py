"""The reads of a press of Get referral, their SQL compiled once a process: the same facts as the ORM's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import OneTimeCode
from applications.models import Application
from applications.selectors import own_application, own_application_key
from bulletins.models import BulletinPlace
from bulletins.selectors import place_with_rules
from placements.tests.pages import AN_HOUR_LATER, confirm_url, places_url, press_get_referral, signed_in
from queues import selectors as queue_selectors
from queues.choices import BenefitClass, LeaveReason
from queues.models import QueueEntry

pytestmark = [pytest.mark.clock(AN_HOUR_LATER, tick=True), pytest.mark.usefixtures("clock", "english_pages")]


def test_the_application_key_is_the_parents_own_number_only(waiting_four):
    g1, g2 = waiting_four[:2]
    spaced = f"{g1.number[:4]} {g1.number[4:]}"

    assert own_application_key(g1.applicant, spaced).pk == own_application(g1.applicant, g1.number).pk
    assert own_application_key(g1.applicant, g2.number) is None  # another family's: not found
    assert own_application_key(g1.applicant, "not a number") is None


def test_a_field_the_key_did_not_read_is_read_when_touched_never_guessed(waiting_four):
    g1 = waiting_four[0]
    Application.objects.filter(pk=g1.pk).update(status_reason="read from the row")

    narrow = own_application_key(g1.applicant, g1.number)

    assert narrow.applicant == g1.applicant
    assert narrow.status_reason == "read from the row"
    assert narrow.child_id == g1.child_id


def test_the_place_with_its_rules_is_the_orms_place(place):
    BulletinPlace.objects.filter(pk=place.pk).update(taken=1, withdrawn=1)
    expected = BulletinPlace.objects.select_related("bulletin", "group").get(pk=place.pk)

    read = place_with_rules(place.pk)

    assert read.free == expected.free == 0
    assert (read.queue_id, read.places, read.taken) == (expected.queue_id, expected.places, expected.taken)
    assert (read.bulletin.status, read.bulletin.priority_until) == (
        expected.bulletin.status,
        expected.bulletin.priority_until,
    )
    assert (read.group.birth_year, read.group.kindergarten_id) == (
        expected.group.birth_year,
        expected.group.kindergarten_id,
    )
    assert place_with_rules(place.pk + 10**6) is None


def test_the_class_a_child_stands_in_and_none_after_it_left(waiting_four, place):
    g1 = waiting_four[0]
    entry = QueueEntry.objects.get(application=g1, queue_id=place.queue_id)

    standing = queue_selectors.standing_class(place.queue_id, g1.pk)
    assert standing == entry.benefit_class == BenefitClass.GENERAL
    QueueEntry.objects.filter(pk=entry.pk).update(left_at=AN_HOUR_LATER, left_reason=LeaveReason.WITHDRAWN)
    assert queue_selectors.standing_class(place.queue_id, g1.pk) is None


def test_a_press_on_a_place_gone_reads_neither_the_code_nor_the_queue(client, waiting_four, place):
    """Most presses of a rush end here: the application's key and the place's count, nothing more."""
    g1 = waiting_four[0]
    signed_in(client, g1)
    _response, code = press_get_referral(client, g1, place)
    BulletinPlace.objects.filter(pk=place.pk).update(taken=place.places)

    with CaptureQueriesContext(connection) as statements:
        response = client.post(confirm_url(g1), {"code": code})

    assert response.status_code == 302
    assert response.url == places_url(g1)
    read = " ".join(statement["sql"] for statement in statements.captured_queries)
    for table in ("accounts_onetimecode", "axes_accessattempt", "queues_queueentry", "audit_auditevent"):
        assert table not in read
    assert OneTimeCode.objects.get(purpose="take_referral").used_at is None
