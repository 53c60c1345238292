"""Get referral: only the owner parent, with a fresh code, while the rules of RULES.md section 5 allow it."""

import datetime

import pytest
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from accounts.choices import Role
from accounts.models import CodePurpose, OneTimeCode
from accounts.services import CodeUsed, UnknownCode, WrongCode, request_code
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import verified, wrong
from applications.choices import BenefitCategory, Status
from applications.errors import OutOfScope
from applications.tests.factories import child_details, document, submit
from audit.models import AuditEvent
from audit.vocabulary import AuditAction
from bulletins import services as bulletin_services
from bulletins.choices import AccessStatus
from bulletins.errors import AugustFreeze, NothingToWithdraw, NotKindergartenStaff
from bulletins.models import Access, BulletinPlace
from bulletins.tests.factories import (
    MONDAY_14_DECEMBER,
    at,
    group_in,
    kindergarten_staff,
    parent_of,
    published_bulletin,
)
from core import outbox
from directory.tests.factories import KindergartenFactory
from placements import selectors, services
from placements.admin import EnrolmentAdmin, ReferralAdmin
from placements.choices import ReferralStatus
from placements.errors import (
    AgeDoesNotFit,
    NoAccess,
    NotInThisQueue,
    OnlyTheParent,
    PlaceAlreadyTaken,
    ReferralAlreadyHeld,
)
from placements.models import Enrolment, Referral
from placements.tests.factories import code_for, take

NOW = MONDAY_14_DECEMBER
AFTER_WINDOW = at(19, 9)


def test_the_parent_with_access_takes_a_place(waiting_four, place, django_capture_on_commit_callbacks):
    g1 = waiting_four[0]
    with django_capture_on_commit_callbacks(execute=True):
        referral = take(g1, place, now=NOW + datetime.timedelta(hours=1))

    assert referral.status == ReferralStatus.ISSUED
    assert (referral.child, referral.group, referral.kindergarten) == (
        g1.child,
        place.group,
        place.kindergarten,
    )
    # Issued Monday 14 December: 15, (16 Independence Day), 17, 18, 21, 22.
    assert referral.valid_until == datetime.date(2026, 12, 22)
    assert referral.expires_at == at(23, 0)
    assert len(referral.number) == 10
    assert referral.number.startswith("26")
    assert len(referral.verification_code) == 12
    place.refresh_from_db()
    assert (place.taken, place.free) == (1, 1)
    g1.refresh_from_db()
    assert g1.status == Status.REFERRAL_ISSUED
    assert Access.objects.get(application=g1).status == AccessStatus.USED
    event = AuditEvent.objects.get(action="referral.taken", target_id=str(referral.pk))
    assert event.actor == g1.applicant.user
    text = outbox.messages_to(g1.applicant.phone, channel="sms")[-1]
    assert referral.display_number in text
    assert "22.12.2026" in text  # the last day of validity, in the parent's language


@pytest.mark.parametrize(
    "who", ["superuser", "specialist", "call centre", "kindergarten staff", "another parent"]
)
def test_nobody_but_the_owner_parent_can_take_a_referral(
    who, waiting_four, place, superuser, specialist_a, call_centre_operator, staff
):
    g1, g2 = waiting_four[:2]
    actor = {
        "superuser": superuser,
        "specialist": specialist_a,
        "call centre": call_centre_operator,
        "kindergarten staff": staff,
        "another parent": parent_of(g2),
    }[who]
    code_id, code = code_for(g1, now=NOW)

    with pytest.raises(OnlyTheParent, match="Only the parent"):
        services.take_referral(application=g1, place=place, actor=actor, code_id=code_id, code=code, now=NOW)

    assert not Referral.objects.exists()
    # The refusal came before the code was looked at: the parent can still use it.
    services.take_referral(
        application=g1, place=place, actor=parent_of(g1), code_id=code_id, code=code, now=NOW
    )


def test_a_superuser_who_is_also_a_parent_still_cannot_take_one(waiting_four, place):
    g1 = waiting_four[0]
    applicant = g1.applicant
    applicant.user = UserFactory(role=Role.PARENT, is_superuser=True, is_staff=True)
    applicant.save(update_fields=["user"])
    code_id, code = code_for(g1, now=NOW)
    with pytest.raises(OnlyTheParent):
        services.take_referral(
            application=g1, place=place, actor=applicant.user, code_id=code_id, code=code, now=NOW
        )


def test_no_admin_page_gives_staff_a_way_to_take_a_referral(superuser):
    request = RequestFactory().get("/admin/")
    request.user = verified(superuser)
    for model_admin in (ReferralAdmin(Referral, admin.site), EnrolmentAdmin(Enrolment, admin.site)):
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert list(model_admin.get_actions(request)) == []


def test_the_code_must_be_fresh_right_and_the_parents_own(waiting_four, place):
    g1, g2 = waiting_four[:2]
    parent = parent_of(g1)
    code_id, code = code_for(g1, now=NOW)
    with pytest.raises(WrongCode):
        services.take_referral(
            application=g1, place=place, actor=parent, code_id=code_id, code=wrong(code), now=NOW
        )
    other_id, other_code = code_for(g2, now=NOW)
    with pytest.raises(UnknownCode):
        services.take_referral(
            application=g1, place=place, actor=parent, code_id=other_id, code=other_code, now=NOW
        )
    sign_in = request_code(
        iin=g1.applicant.iin, phone=g1.applicant.phone, purpose=CodePurpose.SIGN_IN, client_ip=None, now=NOW
    )
    with pytest.raises(UnknownCode):
        services.take_referral(
            application=g1, place=place, actor=parent, code_id=sign_in.pk, code=code, now=NOW
        )

    services.take_referral(application=g1, place=place, actor=parent, code_id=code_id, code=code, now=NOW)
    with pytest.raises(CodeUsed):
        services.take_referral(application=g1, place=place, actor=parent, code_id=code_id, code=code, now=NOW)
    assert Referral.objects.count() == 1


def test_a_take_that_loses_the_place_leaves_the_code_unused(waiting_four, place, staff):
    """The code is spent by the take it confirms, in its transaction: a lost claim spends nothing."""
    g1, g2 = waiting_four[:2]
    code_id, code = code_for(g1, now=NOW)
    read_before = BulletinPlace.objects.get(pk=place.pk)  # the page's read: two places free
    bulletin_services.withdraw_place(place=place, actor=staff, now=NOW)
    take(g2, place, now=NOW)

    with pytest.raises(PlaceAlreadyTaken):
        services.take_referral(
            application=g1, place=read_before, actor=parent_of(g1), code_id=code_id, code=code, now=NOW
        )

    assert OneTimeCode.objects.get(pk=code_id).used_at is None
    assert not AuditEvent.objects.filter(action=AuditAction.ONE_TIME_CODE_ACCEPTED, target_id=str(code_id))
    assert not Referral.objects.filter(application=g1).exists()
    g1.refresh_from_db()
    assert g1.status == Status.ACCESS_OPEN


def test_a_wrong_code_is_counted_and_recorded_though_nothing_is_taken(waiting_four, place):
    g1 = waiting_four[0]
    code_id, code = code_for(g1, now=NOW)

    with pytest.raises(WrongCode):
        services.take_referral(
            application=g1, place=place, actor=parent_of(g1), code_id=code_id, code=wrong(code), now=NOW
        )

    assert OneTimeCode.objects.get(pk=code_id).failed_attempts == 1
    failed = AuditEvent.objects.get(action=AuditAction.ONE_TIME_CODE_CHECK_FAILED, target_id=str(code_id))
    assert failed.details["reason"] == WrongCode.reason
    assert not Referral.objects.exists()


def test_inside_the_window_only_holders_of_access_take_a_place(waiting_four, place):
    g3 = waiting_four[2]
    with pytest.raises(NoAccess, match=r"Through 18\.12\.2026"):
        take(g3, place, now=at(18, 23, 59))
    assert selectors.take_refusal(g3, place, now=at(18, 23, 59)) is not None
    assert place.referrals.count() == 0


def test_after_the_window_anyone_in_the_queue_takes_a_free_place(waiting_four, place):
    g4 = waiting_four[3]
    assert selectors.take_refusal(g4, place, now=at(19, 0)) is None
    referral = take(g4, place, now=at(19, 0))
    g4.refresh_from_db()
    assert (referral.status, g4.status) == (ReferralStatus.ISSUED, Status.REFERRAL_ISSUED)


def test_the_loser_of_the_last_place_is_told_it_was_just_taken(waiting_four, place):
    g1, g2, g3 = waiting_four[:3]
    take(g1, place, now=AFTER_WINDOW)
    take(g2, place, now=AFTER_WINDOW)
    with pytest.raises(PlaceAlreadyTaken) as refusal:
        take(g3, place, now=AFTER_WINDOW)
    assert str(refusal.value) == "This place has just been taken. Choose another place or try again later."
    place.refresh_from_db()
    assert (place.taken, place.free) == (2, 0)
    g3.refresh_from_db()
    assert g3.status == Status.IN_QUEUE


def test_a_place_of_another_queue_cannot_be_taken(settlement_a, place):
    younger = submit(
        settlement_a, child=child_details(birth_date=datetime.date(2023, 5, 5)), now=at(3, month=11)
    )
    with pytest.raises(NotInThisQueue):
        take(younger, place, now=AFTER_WINDOW)


def test_a_child_holds_one_referral_at_a_time(waiting_four, place, specialist_a, kindergarten_a):
    g1 = waiting_four[0]
    first = take(g1, place, now=NOW)
    other = published_bulletin(specialist_a, {group_in(kindergarten_a): 1}, now=at(15)).places.get()
    with pytest.raises(ReferralAlreadyHeld):
        take(g1, other, now=at(21))
    # The database refuses a second active referral even without the service's checks.
    second = Referral(
        number="2600000001",
        verification_code="SECONDCODE00",
        application=g1,
        child=g1.child,
        place=other,
        group=other.group,
        kindergarten=other.group.kindergarten,
        taken_by=first.taken_by,
        issued_at=at(21),
        valid_until=datetime.date(2026, 12, 28),
        status=ReferralStatus.ISSUED,
        status_changed_at=at(21),
    )
    with pytest.raises(IntegrityError, match="referral_one_active_per"), transaction.atomic():
        second.save()


def test_taking_a_referral_ends_the_childs_access_in_its_other_queues(
    settlement_a, specialist_a, kindergarten_a, group
):
    special_group = group_in(kindergarten_a, kind="special")
    child = submit(
        settlement_a,
        wants_special=True,
        documents=[document(BenefitCategory.SPECIAL_NEEDS, datetime.date(2026, 11, 1))],
        now=at(1, month=11),
    )
    bulletin = published_bulletin(specialist_a, {group: 1, special_group: 1}, now=NOW)
    bulletin_services.open_access(bulletin_id=bulletin.pk, now=NOW)

    take(child, bulletin.places.get(group=group), now=at(15))

    statuses = dict(Access.objects.filter(application=child).values_list("queue__kind", "status"))
    assert statuses == {"general": AccessStatus.USED, "special": AccessStatus.ENDED}


def test_the_childs_age_must_fit_the_group_on_1_september(settlement_a, specialist_a, kindergarten_a):
    seven_in_september = submit(
        settlement_a, child=child_details(birth_date=datetime.date(2019, 5, 1)), now=at(1, month=6)
    )
    group_2019 = group_in(kindergarten_a, birth_year=2019)
    # Before the ageing-out job of 1 September has run, the child still stands in the queue.
    bulletin = published_bulletin(specialist_a, {group_2019: 1}, now=at(1, 0, 5, month=9))
    bulletin_services.open_access(bulletin_id=bulletin.pk, now=at(1, 0, 5, month=9))
    assert not Access.objects.filter(application=seven_in_september).exists()  # access skips the child
    # Once the window is over the place is open to everyone in the queue, and the take refuses the child too.
    with pytest.raises(AgeDoesNotFit, match="will be 7 full years old"):
        take(seven_in_september, bulletin.places.get(), now=at(7, 10, month=9))


def test_no_referral_is_taken_in_august(waiting_four, specialist_a, group, settings):
    bulletin = published_bulletin(specialist_a, {group: 1}, now=at(20, month=7))
    place = bulletin.places.get()
    g1 = waiting_four[0]
    code_id, code = code_for(g1, now=at(3, month=8))
    with pytest.raises(AugustFreeze):
        services.take_referral(
            application=g1, place=place, actor=parent_of(g1), code_id=code_id, code=code, now=at(3, month=8)
        )
    settings.AUGUST_FREEZE = False
    referral = services.take_referral(
        application=g1, place=place, actor=parent_of(g1), code_id=code_id, code=code, now=at(3, month=8)
    )
    assert referral.status == ReferralStatus.ISSUED


def test_only_places_nobody_took_can_be_withdrawn(waiting_four, place, staff, specialist_b):
    take(waiting_four[0], place, now=NOW)
    with pytest.raises(OutOfScope):
        bulletin_services.withdraw_place(place=place, actor=specialist_b, now=NOW)
    bulletin_services.withdraw_place(place=place, actor=staff, now=NOW)
    with pytest.raises(NothingToWithdraw):
        bulletin_services.withdraw_place(place=place, actor=staff, now=NOW)
    place.refresh_from_db()
    assert (place.places, place.taken, place.withdrawn, place.free) == (2, 1, 1, 0)
    with pytest.raises(PlaceAlreadyTaken):
        take(waiting_four[1], place, now=NOW)


def test_staff_of_another_kindergarten_cannot_withdraw(place, settlement_a):
    with pytest.raises(NotKindergartenStaff):
        bulletin_services.withdraw_place(
            place=place, actor=kindergarten_staff(KindergartenFactory(settlement=settlement_a)), now=NOW
        )
