"""A parent declines a referral, or withdraws the application holding it: the place returns at once.

RULES.md section 5.

The world of ``conftest.py``: G1..G4 wait in one queue; a bulletin of two
places published on Monday 14 December gives G1 and G2 access through 18
December. In the window a returned place goes to the next child in line (G3);
after it, to whoever in the queue takes it first.
"""

import pytest
from django.test import TestCase
from django.urls import reverse

from applications import services as application_services
from applications.choices import Status
from applications.models import Application
from audit.models import AuditEvent
from audit.vocabulary import AuditAction
from bulletins import services as bulletin_services
from bulletins.choices import AccessStatus, OpeningKind
from bulletins.models import Access, Opening
from bulletins.tests.factories import at, parent_of
from placements import services
from placements.choices import ReferralStatus
from placements.errors import OnlyTheParent, ReferralNotActive
from placements.models import StopListEntry
from placements.tests.factories import take
from placements.tests.pages import signed_in

IN_THE_WINDOW = at(15, 9)
AFTER_THE_WINDOW = at(21, 10)


def _access(application, bulletin):
    return Access.objects.filter(application=application, bulletin=bulletin).first()


def _decline(referral, *, now):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.decline_referral(referral=referral, actor=parent_of(referral.application), now=now)


def test_in_the_window_a_declined_place_goes_to_the_next_child_in_line(waiting_four, bulletin, place):
    g1, _g2, g3, g4 = waiting_four
    referral = take(g1, place, now=IN_THE_WINDOW)

    _decline(referral, now=IN_THE_WINDOW)

    place.refresh_from_db()
    assert place.free == 2
    access = _access(g3, bulletin)
    assert access.status == AccessStatus.OPEN
    assert access.ends_at == bulletin.priority_until
    g3.refresh_from_db()
    assert g3.status == Status.ACCESS_OPEN
    assert _access(g4, bulletin) is None
    assert take(g3, place, now=at(15, 10)).status == ReferralStatus.ISSUED


def test_the_public_log_of_openings_names_whom_the_returned_place_went_to(waiting_four, bulletin, place):
    g1, _g2, g3, _g4 = waiting_four
    referral = take(g1, place, now=IN_THE_WINDOW)

    _decline(referral, now=IN_THE_WINDOW)

    returned = Opening.objects.get(kind=OpeningKind.RETURNED)
    assert (returned.bulletin_id, returned.queue_id, returned.places) == (bulletin.pk, place.queue_id, 1)
    assert [number for number, _position in returned.accesses] == [g3.number]


def test_after_the_window_a_declined_place_is_open_to_everyone(waiting_four, bulletin, place):
    g1, _g2, _g3, g4 = waiting_four
    referral = take(g1, place, now=IN_THE_WINDOW)

    _decline(referral, now=AFTER_THE_WINDOW)

    assert Access.objects.filter(bulletin=bulletin).count() == 2
    assert Opening.objects.get(kind=OpeningKind.RETURNED).accesses == []
    assert take(g4, place, now=AFTER_THE_WINDOW).status == ReferralStatus.ISSUED


def test_declining_costs_nothing_the_application_is_back_in_the_queue(waiting_four, place):
    g1 = waiting_four[0]
    referral = take(g1, place, now=IN_THE_WINDOW)

    declined = _decline(referral, now=IN_THE_WINDOW)

    assert declined.status == ReferralStatus.DECLINED
    g1.refresh_from_db()
    assert g1.status == Status.IN_QUEUE
    assert g1.queue_entries.get().left_at is None
    assert not StopListEntry.objects.filter(application=g1).exists()


def test_the_decline_is_audited_with_the_parent_as_actor(waiting_four, place):
    referral = take(waiting_four[0], place, now=IN_THE_WINDOW)

    _decline(referral, now=IN_THE_WINDOW)

    event = AuditEvent.objects.get(action=AuditAction.REFERRAL_DECLINED)
    assert event.actor_id == parent_of(referral.application).pk
    assert event.target_id == str(referral.pk)


def test_only_the_parent_of_the_application_can_decline(waiting_four, place, specialist_a):
    g1, g2 = waiting_four[:2]
    referral = take(g1, place, now=IN_THE_WINDOW)

    for stranger in (parent_of(g2), specialist_a):
        with pytest.raises(OnlyTheParent):
            services.decline_referral(referral=referral, actor=stranger, now=IN_THE_WINDOW)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ISSUED


def test_a_second_decline_changes_nothing(waiting_four, bulletin, place):
    g1 = waiting_four[0]
    referral = take(g1, place, now=IN_THE_WINDOW)
    _decline(referral, now=IN_THE_WINDOW)

    _decline(referral, now=at(15, 9, 1))

    place.refresh_from_db()
    assert place.free == 2
    assert Opening.objects.filter(kind=OpeningKind.RETURNED).count() == 1
    assert Access.objects.filter(bulletin=bulletin).count() == 3
    assert AuditEvent.objects.filter(action=AuditAction.REFERRAL_DECLINED).count() == 1


def test_a_declined_referral_cannot_be_used_for_enrolment(waiting_four, place, staff):
    referral = take(waiting_four[0], place, now=IN_THE_WINDOW)
    _decline(referral, now=IN_THE_WINDOW)

    with pytest.raises(ReferralNotActive):
        services.register_enrolment(referral=referral, actor=staff, now=at(15, 12))


def test_an_enrolled_referral_cannot_be_declined(waiting_four, place, staff):
    referral = take(waiting_four[0], place, now=IN_THE_WINDOW)
    services.register_enrolment(referral=referral, actor=staff, now=at(15, 12))

    with pytest.raises(ReferralNotActive):
        services.decline_referral(referral=referral, actor=parent_of(referral.application), now=at(15, 13))

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ENROLLED


def test_withdrawing_an_application_with_a_referral_frees_the_place(waiting_four, bulletin, place):
    g1, _g2, g3, _g4 = waiting_four
    referral = take(g1, place, now=IN_THE_WINDOW)

    with TestCase.captureOnCommitCallbacks(execute=True):
        application_services.withdraw_application(application=g1, actor=parent_of(g1), now=at(15, 10))

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert Application.objects.get(pk=g1.pk).status == Status.WITHDRAWN
    place.refresh_from_db()
    assert place.free == 2
    assert _access(g3, bulletin).status == AccessStatus.OPEN


def test_withdrawing_an_application_with_open_access_passes_the_access_on(waiting_four, bulletin, place):
    g1, _g2, g3, _g4 = waiting_four

    with TestCase.captureOnCommitCallbacks(execute=True):
        application_services.withdraw_application(application=g1, actor=parent_of(g1), now=IN_THE_WINDOW)

    assert _access(g1, bulletin).status == AccessStatus.ENDED
    assert _access(g3, bulletin).status == AccessStatus.OPEN
    assert take(g3, place, now=at(15, 10)).status == ReferralStatus.ISSUED


def test_the_log_says_a_withdrawn_access_passed_on_and_no_place_came_back(waiting_four, bulletin, place):
    g1, g2, g3, g4 = waiting_four

    with TestCase.captureOnCommitCallbacks(execute=True):
        application_services.withdraw_application(application=g1, actor=parent_of(g1), now=IN_THE_WINDOW)
        application_services.withdraw_application(application=g2, actor=parent_of(g2), now=at(15, 10))

    assert not Opening.objects.filter(kind=OpeningKind.RETURNED).exists()
    passed_on = list(Opening.objects.filter(kind=OpeningKind.ACCESS_PASSED_ON).order_by("seq"))
    assert [(entry.places, [number for number, _position in entry.accesses]) for entry in passed_on] == [
        (0, [g3.number]),
        (0, [g4.number]),
    ]
    place.refresh_from_db()
    assert (place.taken, place.free) == (0, 2)  # the bulletin's places are as they were


def test_a_rerun_of_the_opening_after_a_return_opens_nothing_more(waiting_four, bulletin, place):
    referral = take(waiting_four[0], place, now=IN_THE_WINDOW)
    _decline(referral, now=IN_THE_WINDOW)

    assert bulletin_services.open_access(bulletin_id=bulletin.pk, now=at(15, 11)) == 0
    assert Access.objects.filter(bulletin=bulletin).count() == 3


# --- the pages --------------------------------------------------------------------------------


def _decline_url(referral) -> str:
    return reverse("placements:decline", args=[referral.number])


@pytest.mark.parametrize(
    ("language", "gives_up", "next_child"),
    [
        ("kk", "Неден бас тартасыз", "кезектегі келесі балаға"),
        ("ru", "От чего вы отказываетесь", "следующему ребёнку в очереди"),
    ],
)
def test_the_page_says_plainly_what_the_parent_gives_up(
    client, waiting_four, place, language, gives_up, next_child
):
    referral = take(waiting_four[0], place, now=IN_THE_WINDOW)
    client.cookies["django_language"] = language

    html = signed_in(client, referral.application).get(_decline_url(referral)).content.decode()

    assert gives_up in html
    assert next_child in html
    assert referral.kindergarten.name in html


@pytest.mark.clock(IN_THE_WINDOW)
@pytest.mark.usefixtures("clock")
def test_confirming_on_the_page_declines_and_a_second_press_is_harmless(client, waiting_four, place):
    referral = take(waiting_four[0], place, now=IN_THE_WINDOW)
    signed_in(client, referral.application)
    client.cookies["django_language"] = "ru"

    with TestCase.captureOnCommitCallbacks(execute=True):
        first = client.post(_decline_url(referral), follow=True)
        second = client.post(_decline_url(referral), follow=True)

    assert first.status_code == second.status_code == 200
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert Opening.objects.filter(kind=OpeningKind.RETURNED).count() == 1
    assert "Отказ: вы отказались от места" in second.content.decode()


def test_another_family_gets_a_404_and_staff_a_403(client, waiting_four, place, specialist_a):
    referral = take(waiting_four[0], place, now=IN_THE_WINDOW)

    client.force_login(parent_of(waiting_four[1]))
    assert client.post(_decline_url(referral)).status_code == 404
    client.force_login(specialist_a)
    assert client.post(_decline_url(referral)).status_code == 403

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ISSUED
