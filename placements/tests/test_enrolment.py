"""Enrolment: only the staff of the referral's kindergarten, and only it takes the child out of its queues."""

import datetime

import pytest

from applications.choices import BenefitCategory, Status
from applications.errors import OutOfScope
from applications.tests.factories import document, submit
from audit.models import AuditEvent
from bulletins import services as bulletin_services
from bulletins.errors import NotKindergartenStaff
from bulletins.tests.factories import MONDAY_14_DECEMBER, at, group_in, kindergarten_staff, published_bulletin
from directory.tests.factories import KindergartenFactory
from placements import selectors, services
from placements.choices import ReferralStatus
from placements.errors import ReferralExpired
from placements.models import StopListEntry
from placements.tests.factories import take
from queues.choices import LeaveReason
from queues.models import QueueEntry
from queues.selectors import positions_of_application

NOW = MONDAY_14_DECEMBER


@pytest.fixture
def child_in_two_queues(settlement_a):
    """A child with a special-needs conclusion, in the general and the special queue."""
    return submit(
        settlement_a,
        wants_special=True,
        documents=[document(BenefitCategory.SPECIAL_NEEDS, datetime.date(2026, 11, 1))],
        now=at(1, month=11),
    )


@pytest.fixture
def referral(child_in_two_queues, specialist_a, group):
    bulletin = published_bulletin(specialist_a, {group: 1}, now=NOW)
    bulletin_services.open_access(bulletin_id=bulletin.pk, now=NOW)
    return take(child_in_two_queues, bulletin.places.get(), now=at(15))


def test_the_kindergarten_sees_the_referral_and_registers_enrolment(child_in_two_queues, referral, staff):
    assert list(selectors.referrals_for_kindergarten_staff(staff)) == [referral]
    assert QueueEntry.objects.standing().filter(application=child_in_two_queues).count() == 2

    enrolment = services.register_enrolment(referral=referral, actor=staff, now=at(17))

    referral.refresh_from_db()
    child_in_two_queues.refresh_from_db()
    assert (enrolment.registered_by, enrolment.enrolled_at) == (staff, at(17))
    assert referral.status == ReferralStatus.ENROLLED
    assert child_in_two_queues.status == Status.ENROLLED
    assert child_in_two_queues.status_reason.startswith("Enrolled in")
    entries = QueueEntry.objects.filter(application=child_in_two_queues)
    assert {(entry.queue.kind, entry.left_reason) for entry in entries} == {
        ("general", LeaveReason.ENROLLED),
        ("special", LeaveReason.ENROLLED),
    }
    assert positions_of_application(child_in_two_queues.pk) == []
    assert AuditEvent.objects.filter(action="referral.enrolled", actor=staff).exists()


def test_only_that_kindergartens_staff_register_enrolment(
    referral, settlement_a, specialist_a, specialist_b, superuser
):
    """Of the kindergartens' staff only the referral's; department specialists only in their districts."""
    others = (kindergarten_staff(KindergartenFactory(settlement=settlement_a)), specialist_a, superuser)
    for actor in others:
        assert list(selectors.referrals_for_kindergarten_staff(actor)) == []
        if actor is not specialist_a:
            with pytest.raises(NotKindergartenStaff):
                services.register_enrolment(referral=referral, actor=actor, now=at(17))
        with pytest.raises(NotKindergartenStaff):
            services.report_no_show(referral=referral, actor=actor, now=at(17))
    with pytest.raises(OutOfScope):
        services.register_enrolment(referral=referral, actor=specialist_b, now=at(17))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ISSUED


def test_the_district_specialist_registers_enrolment_too(referral, specialist_a):
    enrolment = services.register_enrolment(referral=referral, actor=specialist_a, now=at(17))

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ENROLLED
    assert enrolment.registered_by == specialist_a


def test_a_referral_past_its_validity_cannot_be_enrolled(referral, staff):
    # Issued Tuesday 15 December: valid through Wednesday 23 December.
    assert referral.valid_until == datetime.date(2026, 12, 23)
    with pytest.raises(ReferralExpired):
        services.register_enrolment(referral=referral, actor=staff, now=at(24, 0, 0))


def test_documents_that_never_came_annul_the_referral_like_expiry(child_in_two_queues, referral, staff):
    services.report_no_show(referral=referral, actor=staff, now=at(18))
    referral.refresh_from_db()
    child_in_two_queues.refresh_from_db()
    place = referral.place
    assert referral.status == ReferralStatus.ANNULLED
    assert (place.taken, place.released) == (1, 1)
    assert child_in_two_queues.status == Status.STOP_LIST
    assert StopListEntry.objects.get(application=child_in_two_queues).referral == referral
    # Still standing in both queues: only enrolment takes a child out.
    assert len(positions_of_application(child_in_two_queues.pk)) == 2


def test_a_special_group_place_is_taken_by_the_special_queue(
    child_in_two_queues, specialist_a, kindergarten_a, staff
):
    special = group_in(kindergarten_a, kind="special")
    bulletin = published_bulletin(specialist_a, {special: 1}, now=NOW)
    bulletin_services.open_access(bulletin_id=bulletin.pk, now=NOW)
    referral = take(child_in_two_queues, bulletin.places.get(), now=at(15))
    services.register_enrolment(referral=referral, actor=staff, now=at(16))
    assert not QueueEntry.objects.standing().filter(application=child_in_two_queues).exists()
