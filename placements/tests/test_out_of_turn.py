"""A referral taken out of turn waits for a fresh employer certificate (RULES.md section 5)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from applications import services as application_services
from applications.choices import BenefitCategory, Status, Verification
from applications.errors import OutOfScope
from applications.tests.factories import child_details, document, submit
from audit.models import AuditEvent
from bulletins.choices import AccessStatus, OpeningKind
from bulletins.models import Access, Opening
from bulletins.tests.factories import MONDAY_14_DECEMBER, at, parent_of
from core import outbox
from placements import selectors, services, tasks
from placements.choices import ReferralStatus
from placements.errors import NoFreshCertificate, ReferralNotActive
from placements.tests.factories import take
from queues.choices import BenefitClass
from queues.models import QueueEntry
from queues.selectors import positions_of_application

NOW = MONDAY_14_DECEMBER


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


def test_a_referral_taken_out_of_turn_waits_and_the_kindergarten_does_not_see_it(e1, waiting_referral, staff):
    e1.refresh_from_db()
    assert (waiting_referral.status, waiting_referral.out_of_turn) == (
        ReferralStatus.AWAITING_CONFIRMATION,
        True,
    )
    assert e1.status == Status.AWAITING_BENEFIT_CONFIRMATION
    assert waiting_referral not in selectors.referrals_for_kindergarten_staff(staff)
    with pytest.raises(ReferralNotActive, match="waiting for the department"):
        services.register_enrolment(referral=waiting_referral, actor=staff, now=at(15))
    text = outbox.messages_to(e1.applicant.phone, channel="sms")[-1]  # in the parent's language
    assert waiting_referral.display_number in text
    assert "22.12.2026" in text  # the day to bring a fresh certificate by


def test_confirming_needs_a_fresh_employer_certificate(
    e1, waiting_referral, specialist_a, specialist_b, staff, django_capture_on_commit_callbacks
):
    # The certificate of 20 November is more than a month old on 21 December.
    with pytest.raises(NoFreshCertificate):
        services.confirm_referral_benefit(referral=waiting_referral, actor=specialist_a, now=at(21))
    fresh = application_services.add_benefit_document(
        application=e1,
        upload=document(BenefitCategory.SERVICEMAN, datetime.date(2026, 12, 18)),
        actor=parent_of(e1),
        now=at(21, 9),
    )
    application_services.confirm_benefit(document=fresh, actor=specialist_a, now=at(21, 10))
    with pytest.raises(OutOfScope):
        services.confirm_referral_benefit(referral=waiting_referral, actor=specialist_b, now=at(21, 11))
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.confirm_referral_benefit(
            referral=waiting_referral, actor=specialist_a, now=at(21, 11)
        )

    e1.refresh_from_db()
    assert (referral.status, e1.status) == (ReferralStatus.ISSUED, Status.REFERRAL_ISSUED)
    assert referral.valid_until == datetime.date(
        2026, 12, 22
    )  # validity runs from the issue, not confirmation
    assert referral in selectors.referrals_for_kindergarten_staff(staff)
    text = outbox.messages_to(e1.applicant.phone, channel="sms")[-1]  # in the parent's language
    assert referral.display_number in text
    assert "22.12.2026" in text


def test_a_refused_benefit_cancels_the_referral_and_the_child_returns_as_general(
    e1, waiting_referral, place, specialist_a, django_capture_on_commit_callbacks
):
    before = QueueEntry.objects.get(application=e1)
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_referral_benefit(
            referral=waiting_referral,
            actor=specialist_a,
            reason="The certificate is not the employer's.",
            now=at(15),
        )

    waiting_referral.refresh_from_db()
    e1.refresh_from_db()
    place.refresh_from_db()
    entry = QueueEntry.objects.get(application=e1)
    assert waiting_referral.status == ReferralStatus.CANCELLED
    assert waiting_referral.reason == "The certificate is not the employer's."
    assert (place.taken, place.free) == (0, 2)  # back in this bulletin
    returned = Opening.objects.get(kind=OpeningKind.RETURNED)  # and in the public log of openings
    assert (returned.bulletin_id, returned.queue_id, returned.places) == (
        place.bulletin_id,
        place.queue_id,
        1,
    )
    assert e1.status == Status.IN_QUEUE
    assert e1.benefit_documents.get().verification == Verification.REJECTED
    assert (entry.benefit_class, entry.submitted_at) == (BenefitClass.GENERAL, before.submitted_at)
    # Submitted on 20 November, after G1..G4: fifth now.
    assert positions_of_application(e1.pk)[0].standing.position == 5
    assert AuditEvent.objects.filter(action="referral.cancelled", target_id=str(waiting_referral.pk)).exists()
    text = outbox.messages_to(e1.applicant.phone, channel="sms")[-1]  # in the parent's language
    assert waiting_referral.display_number in text
    assert "The certificate is not the employer's." in text  # the department's reason, as written


def test_refusing_needs_a_reason_and_a_waiting_referral(waiting_referral, specialist_a):
    with pytest.raises(ValidationError, match="Say why"):
        services.refuse_referral_benefit(referral=waiting_referral, actor=specialist_a, reason="", now=at(15))
    services.refuse_referral_benefit(
        referral=waiting_referral, actor=specialist_a, reason="Refused.", now=at(15)
    )
    with pytest.raises(ReferralNotActive):
        services.refuse_referral_benefit(
            referral=waiting_referral, actor=specialist_a, reason="Again.", now=at(15)
        )


def test_a_referral_still_waiting_when_its_validity_ends_is_cancelled_without_stop_list(e1, waiting_referral):
    with time_machine.travel(at(23, 0, 10), tick=False):
        assert tasks.annul_expired_referrals.apply().get() == 1
    waiting_referral.refresh_from_db()
    e1.refresh_from_db()
    assert waiting_referral.status == ReferralStatus.CANCELLED
    assert e1.status == Status.IN_QUEUE
    assert not e1.stop_list_entries.exists()
    assert QueueEntry.objects.get(application=e1).benefit_class == BenefitClass.GENERAL


def test_a_refused_benefit_leaves_every_entry_in_the_class_of_the_other_documents_with_its_end(
    e1, waiting_referral, specialist_a, second_specialist_a
):
    """Issue 15: the class and the day it stops counting come from the documents left, in every queue."""
    upload = document(BenefitCategory.LARGE_FAMILY, datetime.date(2026, 12, 1))
    added = application_services.add_benefit_document(
        application=e1, upload=upload, actor=specialist_a, now=at(15)
    )
    application_services.confirm_benefit(
        document=added, actor=second_specialist_a, valid_until=datetime.date(2027, 1, 31), now=at(15)
    )
    assert QueueEntry.objects.get(application=e1).benefit_until is None  # the serviceman's has no end

    services.refuse_referral_benefit(referral=waiting_referral, actor=specialist_a, reason="No.", now=at(15))

    entry = QueueEntry.objects.get(application=e1)
    assert (entry.benefit_class, entry.benefit_until) == (BenefitClass.FIRST_TURN, datetime.date(2027, 1, 31))


def test_in_the_window_a_cancelled_referral_passes_its_place_to_the_next_child_in_line(
    waiting_four, waiting_referral, place, specialist_a, django_capture_on_commit_callbacks
):
    """Our decision (docs/rules.md, "A referral cancelled for an unconfirmed benefit"): as after a decline."""
    with_access = set(Access.objects.filter(bulletin=place.bulletin).values_list("application_id", flat=True))
    next_in_line = next(application for application in waiting_four if application.pk not in with_access)

    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_referral_benefit(
            referral=waiting_referral, actor=specialist_a, reason="No certificate.", now=at(15)
        )

    access = Access.objects.get(bulletin=place.bulletin, application=next_in_line)
    assert (access.status, access.ends_at) == (AccessStatus.OPEN, place.bulletin.priority_until)
    returned = Opening.objects.get(kind=OpeningKind.RETURNED)
    assert [number for number, _position in returned.accesses] == [next_in_line.number]
    assert take(next_in_line, place, now=at(15, 10)).status == ReferralStatus.ISSUED
