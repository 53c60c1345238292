"""Time: the priority window, validity, extension, annulment, the stop-list and the return, over holidays.

The clock is moved with time-machine and the beat's tasks run as the beat runs
them, without a ``now``: 16 December (Independence Day) and the New Year
holidays fall inside the periods.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from applications import services as application_services
from applications.choices import BenefitCategory, Status
from applications.tests.factories import document, submit
from bulletins import services as bulletin_services
from bulletins import tasks as bulletin_tasks
from bulletins.choices import AccessStatus, ReportState
from bulletins.models import Access, VacancyReport
from bulletins.tests.factories import MONDAY_14_DECEMBER, at, group_in, parent_of, published_bulletin
from core import outbox
from placements import services, tasks
from placements.choices import ReferralStatus
from placements.errors import AlreadyExtended, OnlyTheParent, OnStopList, ReferralExpired
from placements.models import StopListEntry
from placements.tests.factories import take
from queues.models import QueueEntry
from queues.selectors import positions_of_application

NOW = MONDAY_14_DECEMBER


def run(task, moment) -> int:
    """Run a beat task at ``moment`` (Asia/Almaty), as the beat would."""
    with time_machine.travel(moment, tick=False):
        return task.apply().get()


def test_the_priority_window_ends_after_three_working_days_over_independence_day(waiting_four, bulletin):
    g1, g2 = waiting_four[:2]
    assert run(bulletin_tasks.end_priority_windows, at(18, 23, 59)) == 0
    assert run(bulletin_tasks.end_priority_windows, at(19, 0, 1)) == 2
    assert run(bulletin_tasks.end_priority_windows, at(19, 1, 1)) == 0
    for application in (g1, g2):
        application.refresh_from_db()
        assert application.status == Status.IN_QUEUE
        assert application.accesses.get().status == AccessStatus.ENDED
    # Declining costs nothing: G1 is still first.
    assert positions_of_application(g1.pk)[0].standing.position == 1


def test_the_application_keeps_access_open_while_another_window_lasts(
    settlement_a, specialist_a, kindergarten_a, group
):
    child = submit(
        settlement_a,
        wants_special=True,
        documents=[document(BenefitCategory.SPECIAL_NEEDS, datetime.date(2026, 11, 1))],
        now=at(1, month=11),
    )
    general = published_bulletin(specialist_a, {group: 1}, now=NOW)
    # Published Thursday 17 December: 18, 21 and 22 December, so it ends at midnight after Tuesday 22.
    special = published_bulletin(specialist_a, {group_in(kindergarten_a, kind="special"): 1}, now=at(17))
    bulletin_services.open_access(bulletin_id=general.pk, now=NOW)
    bulletin_services.open_access(bulletin_id=special.pk, now=at(17))

    run(bulletin_tasks.end_priority_windows, at(19, 0, 1))
    child.refresh_from_db()
    assert child.status == Status.ACCESS_OPEN
    run(bulletin_tasks.end_priority_windows, at(23, 0, 1))
    child.refresh_from_db()
    assert child.status == Status.IN_QUEUE


def test_a_withdrawal_ends_the_access_at_once_and_leaves_the_next_run_nothing(waiting_four, bulletin):
    g1 = waiting_four[0]
    application_services.withdraw_application(application=g1, actor=parent_of(g1), now=at(15))
    assert g1.accesses.get().status == AccessStatus.ENDED
    assert run(bulletin_tasks.end_priority_windows, at(15, 1)) == 0


def test_an_access_whose_window_ended_does_not_block_the_next_bulletin_before_the_job_runs(
    waiting_four, bulletin, specialist_a, kindergarten_a
):
    later = published_bulletin(specialist_a, {group_in(kindergarten_a): 1}, now=at(21))
    bulletin_services.open_access(bulletin_id=later.pk, now=at(21))
    g1 = waiting_four[0]
    statuses = dict(Access.objects.filter(application=g1).values_list("bulletin_id", "status"))
    assert statuses == {bulletin.pk: AccessStatus.ENDED, later.pk: AccessStatus.OPEN}


def test_an_unused_referral_is_annulled_stop_listed_and_returned_with_its_submission_time(
    waiting_four, place, specialist_a, kindergarten_a, django_capture_on_commit_callbacks
):
    g1 = waiting_four[0]
    submitted_at = QueueEntry.objects.get(application=g1).submitted_at
    referral = take(g1, place, now=NOW + datetime.timedelta(hours=1))

    # Valid through Tuesday 22 December: nothing happens until midnight after it.
    assert run(tasks.annul_expired_referrals, at(22, 23, 59)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert run(tasks.annul_expired_referrals, at(23, 0, 10)) == 1
    assert run(tasks.annul_expired_referrals, at(23, 1, 10)) == 0

    referral.refresh_from_db()
    g1.refresh_from_db()
    place.refresh_from_db()
    assert (referral.status, referral.reason) == (
        ReferralStatus.ANNULLED,
        "The referral was not used in time.",
    )
    # The place returns for the next bulletin, not this one.
    assert (place.taken, place.released, place.free) == (1, 1, 1)
    report = VacancyReport.objects.get(released_from=place)
    assert (report.state, report.group, report.places) == (ReportState.PENDING, place.group, 1)
    # Stop-list: ten days from the day after, 24 December to 2 January; ends at midnight after it.
    entry = StopListEntry.objects.get(application=g1)
    assert entry.ends_at == at(3, 0, 0, month=1, year=2027)
    assert g1.status == Status.STOP_LIST
    assert positions_of_application(g1.pk)[0].standing.position == 1  # still counted
    assert (
        "02.01.2027" in outbox.messages_to(g1.applicant.phone, channel="sms")[-1]
    )  # the stop-list's last day

    # Never offered access while on the stop-list.
    during = published_bulletin(specialist_a, {group_in(kindergarten_a): 1}, now=at(28))
    bulletin_services.open_access(bulletin_id=during.pk, now=at(28))
    assert not during.accesses.filter(application=g1).exists()
    with pytest.raises(OnStopList, match=r"02\.01\.2027"):
        take(g1, during.places.get(), now=at(31, 12))

    assert run(tasks.lift_stop_list, at(2, 23, 59, month=1, year=2027)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert run(tasks.lift_stop_list, at(3, 0, 15, month=1, year=2027)) == 1
    g1.refresh_from_db()
    entry.refresh_from_db()
    assert g1.status == Status.IN_QUEUE
    assert entry.lifted_at == at(3, 0, 15, month=1, year=2027)
    assert QueueEntry.objects.get(application=g1).submitted_at == submitted_at
    assert g1.display_number in outbox.messages_to(g1.applicant.phone, channel="sms")[-1]

    # Offered again normally: first in the queue, first to get access.
    after = published_bulletin(specialist_a, {group_in(kindergarten_a): 1}, now=at(5, month=1, year=2027))
    bulletin_services.open_access(bulletin_id=after.pk, now=at(5, month=1, year=2027))
    assert set(after.accesses.values_list("application_id", flat=True)) == {g1.pk}


def test_the_parent_extends_once_up_to_30_days_from_issue(waiting_four, place, specialist_a):
    g1, g2 = waiting_four[:2]
    referral = take(g1, place, now=NOW)
    for actor in (parent_of(g2), specialist_a):
        with pytest.raises(OnlyTheParent):
            services.extend_referral(referral=referral, actor=actor, now=at(15))
    with pytest.raises(ValidationError, match=r"13\.01\.2027 at the latest"):
        services.extend_referral(
            referral=referral, actor=parent_of(g1), until=datetime.date(2027, 1, 14), now=at(15)
        )
    with pytest.raises(ValidationError, match="after the current end"):
        services.extend_referral(
            referral=referral, actor=parent_of(g1), until=referral.valid_until, now=at(15)
        )

    services.extend_referral(referral=referral, actor=parent_of(g1), now=at(15))
    referral.refresh_from_db()
    assert (referral.valid_until, referral.extended_until) == (
        datetime.date(2026, 12, 22),
        datetime.date(2027, 1, 13),
    )
    with pytest.raises(AlreadyExtended):
        services.extend_referral(referral=referral, actor=parent_of(g1), now=at(16))

    assert run(tasks.annul_expired_referrals, at(23, 0, 10)) == 0
    assert run(tasks.annul_expired_referrals, at(13, 23, 59, month=1, year=2027)) == 0
    assert run(tasks.annul_expired_referrals, at(14, 0, 10, month=1, year=2027)) == 1
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ANNULLED


def test_an_expired_referral_cannot_be_extended(waiting_four, place):
    g1 = waiting_four[0]
    referral = take(g1, place, now=NOW)
    with pytest.raises(ReferralExpired):
        services.extend_referral(referral=referral, actor=parent_of(g1), now=at(23, 0, 0))
