"""Random sequences of queue events through the real services, checked after every step (issue 7).

A hypothesis state machine applies the events of RULES.md to the queues of one
settlement (general queues of two birth years and the special queue) in
PostgreSQL, with the Redis copy of the order kept by the after-commit work of
each change: applications online and on paper (backdated, some at the same
second), benefits confirmed, rejected and expired, withdrawals, bulletins and
access, referrals taken, out-of-turn benefits refused, annulment and the
stop-list, enrolment, the school year turning (children ageing out), and the
clock crossing the midnight a benefit stops counting, with no job run.

After every step every standing entry's position and every page (several
offsets and limits) are compared with a plain order written again here from
RULES.md section 3, from the standing entries in PostgreSQL. A queue whose
Redis copy was in step before a step must still be in step after it, and then
its reads must not count in SQL: the fast path is what is being checked.

The test's transaction never commits, so after each step the after-commit work
of ``queues.ranks`` (applying a change, asking for a rebuild) is run as a
commit would; notices and bulletin openings are left out, since they would run
on the real clock rather than the test's.
"""

import datetime
import zoneinfo
from contextlib import contextmanager

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from applications import services as application_services
from applications.choices import BenefitCategory, Channel, Status, Verification
from applications.models import Application, BenefitDocument
from applications.tests.factories import child_details, document, submit
from bulletins import services as bulletin_services
from bulletins.models import Access, AccessStatus, BulletinPlace
from bulletins.tests.factories import group_in, kindergarten_staff, published_bulletin
from core.errors import DomainError
from placements import services as placement_services
from placements.choices import ReferralStatus
from placements.errors import AgeDoesNotFit
from placements.models import Referral
from placements.tests.factories import take
from queues import ranks, selectors
from queues.models import Queue, QueueEntry

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
START = datetime.datetime(2027, 5, 3, 10, 0, tzinfo=ALMATY)  # a Monday, well before the August freeze
SCHOOL_YEAR_TURNS = datetime.datetime(2027, 9, 1, 0, 30, tzinfo=ALMATY)
# Born in March 2020 a child is 6 on 1 September 2026 and 7 a year later: it ages out at the turn.
BIRTH_DATES = {2020: datetime.date(2020, 3, 10), 2021: datetime.date(2021, 6, 15)}
CATEGORIES = [None, BenefitCategory.LARGE_FAMILY, BenefitCategory.ORPHAN, BenefitCategory.SERVICEMAN]
OUT_OF_TURN, FIRST_TURN, GENERAL = 1, 2, 3
PAGE_LIMITS = (3, 50)


def plain_order(entries) -> list[int]:
    """RULES.md section 3, read as a person would: ``entries`` are (application id, class, submitted)."""

    def of_class(benefit_class):
        chosen = [e for e in entries if e[1] == benefit_class]
        return [e[0] for e in sorted(chosen, key=lambda e: (e[2], e[0]))]

    general, first_turn = of_class(GENERAL), of_class(FIRST_TURN)
    merged = []
    while general or first_turn:
        merged += general[:3] + first_turn[:1]
        general, first_turn = general[3:], first_turn[1:]
    return of_class(OUT_OF_TURN) + merged


class QueueEvents(RuleBasedStateMachine):
    """One settlement's queues under random events; the world is given by ``build``."""

    world: dict = {}

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.now = START
        self.turned = False
        self.groups = {}
        self.world["built"] = set()

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @contextmanager
    def committed(self):
        """Run the ranks' after-commit work of the block, in order, as its commit would."""
        with self.world["capture"]() as callbacks:
            yield
        for callback in callbacks:
            if callback.__module__ == ranks.__name__:
                callback()

    def later(self, minutes: int) -> datetime.datetime:
        self.now += datetime.timedelta(minutes=minutes)
        return self.now

    def pending_documents(self):
        return BenefitDocument.objects.filter(
            verification=Verification.PENDING, application__status__in=[Status.IN_QUEUE, Status.ACCESS_OPEN]
        )

    def waiting(self):
        return self.world["applications"].filter(status__in=[Status.IN_QUEUE, Status.ACCESS_OPEN])

    def open_accesses(self, now):
        return Access.objects.filter(
            status=AccessStatus.OPEN, ends_at__gt=now, application__status=Status.ACCESS_OPEN
        )

    def something_ends(self) -> bool:
        """Whether time matters now: a benefit with an end, an open access, a referral or a stop-list."""
        return (
            BenefitDocument.objects.filter(valid_until__isnull=False).exists()
            or Access.objects.filter(status=AccessStatus.OPEN).exists()
            or self.world["applications"]
            .filter(
                status__in=[Status.REFERRAL_ISSUED, Status.AWAITING_BENEFIT_CONFIRMATION, Status.STOP_LIST]
            )
            .exists()
        )

    @staticmethod
    def referrals(status):
        return Referral.objects.filter(status=status)

    @staticmethod
    def pick(queryset, index: int):
        rows = list(queryset.order_by("pk"))
        return rows[index % len(rows)] if rows else None

    # --- events ------------------------------------------------------------------------------

    @rule(
        year=st.sampled_from(sorted(BIRTH_DATES)),
        category=st.sampled_from(CATEGORIES),
        special=st.booleans(),
        minutes=st.integers(1, 600),
    )
    def apply_online(self, year, category, special, minutes):
        now = self.later(minutes)
        uploads = [document(category, now.date())] if category else []
        if special:
            uploads.append(document(BenefitCategory.SPECIAL_NEEDS, now.date()))
        with self.committed():
            try:
                submit(
                    self.world["settlement"],
                    child=child_details(birth_date=BIRTH_DATES[year]),
                    wants_special=special,
                    documents=uploads,
                    now=now,
                )
            except DomainError:  # after the school year turned, a child born in 2020 is too old
                assert (self.turned, year, special) == (True, 2020, False)

    @rule(year=st.sampled_from(sorted(BIRTH_DATES)), hours_back=st.sampled_from([0, 1, 30, 100]))
    def apply_on_paper(self, year, hours_back):
        """Received earlier, registered now; received times on the hour, so equal times are common."""
        now = self.later(7)
        received_at = (now - datetime.timedelta(hours=hours_back)).replace(minute=0, second=0)
        with self.committed():
            try:
                submit(
                    self.world["settlement"],
                    actor=self.world["specialist"],
                    channel=Channel.EDUCATION_DEPARTMENT,
                    child=child_details(birth_date=BIRTH_DATES[year]),
                    received_at=received_at,
                    now=now,
                )
            except DomainError:
                assert (self.turned, year) == (True, 2020)

    @rule(index=st.integers(0, 50), decision=st.sampled_from(["confirm", "confirm for a day", "reject"]))
    @precondition(lambda self: self.pending_documents().exists())
    def decide_benefit(self, index, decision):
        doc = self.pick(self.pending_documents(), index)
        now = self.later(30)
        verifier = self.world["verifier"]
        with self.committed():
            if decision == "reject":
                application_services.reject_benefit(
                    document=doc, actor=verifier, reason="Unreadable", now=now
                )
            else:
                valid_until = now.date() + datetime.timedelta(days=1) if decision != "confirm" else None
                application_services.confirm_benefit(
                    document=doc, actor=verifier, valid_until=valid_until, now=now
                )

    @rule(hours=st.integers(1, 72))
    @precondition(lambda self: self.something_ends())
    def time_passes(self, hours):
        """The scheduled jobs run: benefits expire, referrals end, stop-lists lift, windows close."""
        now = self.later(60 * hours)
        with self.committed():
            application_services.expire_benefits(now=now)
            placement_services.annul_expired_referrals(now=now)
            placement_services.lift_stop_list(now=now)
            bulletin_services.end_priority_windows(now=now)

    @rule(second_before=st.booleans())
    @precondition(lambda self: self.benefit_ends_ahead() is not None)
    def midnight_passes(self, second_before):
        """The clock reaches the night a benefit stops counting, and no job runs: reads must be exact.

        At 23:59:59 of its last day the benefit still counts; at 00:00:00 it no
        longer does. The order expected is worked out from the documents that
        count on that day, not from the entries, so a read that kept an expired
        class would fail (issue 15).
        """
        last_day = self.benefit_ends_ahead()
        midnight = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time(), ALMATY)
        self.now = midnight - datetime.timedelta(seconds=1) if second_before else midnight
        queues = list(Queue.objects.filter(settlement=self.world["settlement"]).order_by("pk"))
        with self.committed(), time_machine.travel(self.now, tick=False):
            for queue in queues:
                self.check_queue(queue, classes_on=self.now.date())

    def benefit_ends_ahead(self):
        """The last day of the earliest benefit of a standing entry still counting now, if any."""
        return (
            QueueEntry.objects.standing()
            .filter(queue__settlement=self.world["settlement"], benefit_until__gte=self.now.date())
            .order_by("benefit_until")
            .values_list("benefit_until", flat=True)
            .first()
        )

    @rule(index=st.integers(0, 50))
    @precondition(lambda self: self.waiting().exists())
    def withdraw(self, index):
        application = self.pick(self.waiting(), index)
        with self.committed():
            application_services.withdraw_application(
                application=application, actor=self.world["specialist"], now=self.later(5)
            )

    @rule(index=st.integers(0, 50), places=st.integers(1, 2))
    @precondition(lambda self: self.waiting().exists())
    def publish_bulletin(self, index, places):
        """Places for the birth year of a waiting child; access opens to the first ones at once."""
        year = self.pick(self.waiting(), index).child.birth_date.year
        if year not in self.groups:
            self.groups[year] = group_in(self.world["kindergarten"], birth_year=year)
        now = self.later(15)
        with self.committed():
            bulletin = published_bulletin(self.world["specialist"], {self.groups[year]: places}, now=now)
            bulletin_services.open_access(bulletin_id=bulletin.pk, now=now)

    @rule(index=st.integers(0, 50))
    @precondition(lambda self: self.open_accesses(self.now + datetime.timedelta(minutes=20)).exists())
    def take_referral(self, index):
        now = self.later(20)
        access = self.pick(self.open_accesses(now), index)
        place = BulletinPlace.objects.get(bulletin_id=access.bulletin_id, queue_id=access.queue_id)
        with self.committed():
            try:
                take(access.application, place, now=now)
            except AgeDoesNotFit:
                # After the turn a child born in 2020 stays only while its PMPK conclusion exempts it; a
                # conclusion rejected since leaves it too old until the nightly age-out job runs again.
                assert (self.turned, access.application.child.birth_date.year) == (True, 2020)

    @rule(index=st.integers(0, 50))
    @precondition(lambda self: self.referrals(ReferralStatus.AWAITING_CONFIRMATION).exists())
    def refuse_out_of_turn_benefit(self, index):
        referral = self.pick(self.referrals(ReferralStatus.AWAITING_CONFIRMATION), index)
        with self.committed():
            placement_services.refuse_referral_benefit(
                referral=referral, actor=self.world["specialist"], reason="No certificate", now=self.later(5)
            )

    @rule(index=st.integers(0, 50), enrol=st.booleans())
    @precondition(lambda self: self.referrals(ReferralStatus.ISSUED).exists())
    def kindergarten_decides(self, index, enrol):
        """The kindergarten enrols the child, or reports that the documents never came (annulment)."""
        referral = self.pick(self.referrals(ReferralStatus.ISSUED), index)
        now = self.later(10)
        staff = self.world["staff"]
        with self.committed():
            try:
                if enrol:
                    placement_services.register_enrolment(referral=referral, actor=staff, now=now)
                else:
                    placement_services.report_no_show(referral=referral, actor=staff, now=now)
            except DomainError:  # a referral past its validity, not yet annulled by the hourly job
                assert now >= referral.expires_at

    @rule()
    @precondition(lambda self: not self.turned and self.world["applications"].count() >= 6)
    def school_year_turns(self):
        self.turned = True
        self.now = max(self.now, SCHOOL_YEAR_TURNS)
        with self.committed():
            application_services.age_out_children(now=self.now)

    # --- the check ------------------------------------------------------------------------------

    @invariant()
    def positions_and_pages_follow_the_rules(self):
        queues = list(Queue.objects.filter(settlement=self.world["settlement"]).order_by("pk"))
        in_step = {queue.pk for queue in queues if self.in_step(queue)}
        assert self.world["built"] <= in_step, "a change left an in-step copy behind"
        with self.committed(), CaptureQueriesContext(connection) as queries:
            for queue in queues:
                self.check_queue(queue)
        counted = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        assert not (in_step == {q.pk for q in queues} and counted), counted
        with self.committed():
            self.histories_end_where_positions_stand(queues)
        self.world["built"] = {queue.pk for queue in queues if self.in_step(queue)}
        assert self.world["built"] == {queue.pk for queue in queues}, "a reader's rebuild did not happen"

    def histories_end_where_positions_stand(self, queues: list[Queue]) -> None:
        """Each entry's position history, replayed from the kept events, ends where it stands (issue 12)."""
        entries = selectors.settled_entries(
            QueueEntry.objects.standing().filter(queue__in=queues).select_related("queue")
        )
        positions = selectors.positions_of_entries(entries)
        for position, steps in zip(positions, selectors.position_histories(entries), strict=True):
            assert steps, "every entry's join is an event"
            assert steps[-1].position_after == position.standing.position

    def in_step(self, queue: Queue) -> bool:
        version = Queue.objects.filter(pk=queue.pk).values_list("version", flat=True).get()
        return self.world["redis"].get(ranks._keys(queue.pk)[0]) == str(version)

    def check_queue(self, queue: Queue, classes_on: datetime.date | None = None) -> None:
        """Positions and pages of ``queue`` against the plain order of its standing entries.

        With ``classes_on``, each entry's class is the one its application's documents give on that
        day (RULES.md section 3), whatever the entry stored.
        """
        standing = list(
            QueueEntry.objects.standing()
            .filter(queue=queue)
            .values_list("application_id", "benefit_class", "submitted_at")
        )
        if classes_on is not None:
            standing = [
                (
                    application_id,
                    application_services.benefit_class_on(
                        Application.objects.get(pk=application_id), classes_on
                    ),
                    submitted_at,
                )
                for application_id, _class, submitted_at in standing
            ]
        expected = plain_order(standing)
        found = selectors.positions_of_applications(expected)
        positions = [
            (p.standing.position, application_id)
            for application_id, ps in found.items()
            for p in ps
            if p.entry.queue_id == queue.pk
        ]
        assert sorted(positions) == list(enumerate(expected, start=1))
        for limit in PAGE_LIMITS:
            for offset in range(0, len(expected) + 2, limit):
                page = selectors.queue_page(queue, offset=offset, limit=limit)
                assert [(row.position, row.entry.application_id) for row in page] == list(
                    enumerate(expected[offset : offset + limit], start=offset + 1)
                )


@pytest.mark.django_db
def test_random_queue_events_keep_every_position_and_page_exact(
    settlement_a,
    specialist_a,
    second_specialist_a,
    kindergarten_a,
    ranks_redis,
    english,
    django_capture_on_commit_callbacks,
):
    world = {
        "settlement": settlement_a,
        "specialist": specialist_a,
        "verifier": second_specialist_a,
        "kindergarten": kindergarten_a,
        "staff": kindergarten_staff(kindergarten_a),
        "capture": django_capture_on_commit_callbacks,
        "redis": ranks_redis,
        "applications": Application.objects.filter(settlement=settlement_a),
    }

    QueueEvents.world = world
    run_state_machine_as_test(
        QueueEvents,
        settings=hypothesis_settings(
            max_examples=15,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
