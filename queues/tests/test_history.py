"""Position histories replayed from the kept queue events (issue 12 item 1).

The property: after every step of random event sequences (entries joining with
equal submission times, earlier times, leaving for every reason, changing class
in both directions, so the one-in-three merge moves people behind as well as
ahead), the position a history replays for that moment is the one
``queues.selectors`` showed then. The examples: one event per change however
long the queue, and the causes a parent reads, with their counts.
"""

import datetime
import zoneinfo

import pytest
from django.db import transaction
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
from applications.choices import BenefitCategory, Channel
from applications.tests.factories import child_details, document, submit
from core.clock import now as clock_now
from queues import history, selectors, services
from queues.choices import BenefitClass, LeaveReason, QueueEventCause
from queues.models import QueueEntry, QueueEvent

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
START = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=ALMATY)
POOL = 10

pytestmark = pytest.mark.clock(START)
#: A queue of its own for the machine: no application's real queue (birth year far from any child's).
TEST_BIRTH_YEAR = 1990
CLASS_CAUSES = [
    QueueEventCause.BENEFIT_CONFIRMED,
    QueueEventCause.BENEFIT_REJECTED,
    QueueEventCause.BENEFIT_EXPIRED,
    QueueEventCause.REFERRAL_CANCELLED,
]


def position_at(steps: list[history.Step], moment: datetime.datetime) -> int | None:
    """The position a history gives at ``moment``: after the last step at or before it."""
    before = [step for step in steps if step.at <= moment]
    return before[-1].position_after if before else None


class HistoryEvents(RuleBasedStateMachine):
    """Random joins, leaves and class changes in one queue, through the real queue services."""

    world: dict = {}

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.now = START
        self.joined: set[int] = set()
        #: application id -> [(moment, position selectors showed then, or None once it left)]
        self.seen: dict[int, list[tuple[datetime.datetime, int | None]]] = {}

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def later(self) -> datetime.datetime:
        self.now += datetime.timedelta(minutes=7)
        return self.now

    def entries(self):
        return QueueEntry.objects.filter(
            queue__settlement=self.world["settlement"], queue__birth_year=TEST_BIRTH_YEAR
        ).order_by("application_id")

    def standing(self) -> list[int]:
        return list(self.entries().standing().values_list("application_id", flat=True))

    @rule(index=st.integers(0, POOL - 1), hours_back=st.sampled_from([0, 0, 1, 5]))
    @precondition(lambda self: len(self.joined) < POOL)
    def join(self, index, hours_back):
        """On the hour, so equal submission times are common; some received earlier (backdated)."""
        free = [a for a in self.world["pool"] if a not in self.joined]
        application_id = free[index % len(free)]
        now = self.later()
        submitted_at = (now - datetime.timedelta(hours=hours_back)).replace(minute=0)
        services.join_queues(
            application_id=application_id,
            settlement_id=self.world["settlement"].pk,
            birth_year=TEST_BIRTH_YEAR,
            kinds=["general"],
            benefit_class=BenefitClass.GENERAL,
            submitted_at=submitted_at,
            now=now,
            cause=QueueEventCause.BACKDATED_PAPER if hours_back else QueueEventCause.SUBMITTED,
        )
        self.joined.add(application_id)

    @rule(index=st.integers(0, POOL), reason=st.sampled_from(list(LeaveReason)))
    @precondition(lambda self: self.standing())
    def leave(self, index, reason):
        standing = self.standing()
        services.leave_queues(application_id=standing[index % len(standing)], reason=reason, now=self.later())

    @rule(
        index=st.integers(0, POOL),
        benefit_class=st.sampled_from(list(BenefitClass)),
        cause=st.sampled_from(CLASS_CAUSES),
    )
    @precondition(lambda self: self.standing())
    def change_class(self, index, benefit_class, cause):
        standing = self.standing()
        services.reclassify(
            application_id=standing[index % len(standing)],
            benefit_class=benefit_class,
            benefit_until=None,
            cause=cause,
            now=self.later(),
        )

    @rule(hours=st.sampled_from([1, 30]))
    def time_passes(self, hours):
        """Nothing happens for a while (always possible, and histories cross days)."""
        self.now += datetime.timedelta(hours=hours)

    @invariant()
    def replay_gives_every_position_selectors_showed(self):
        shown = {
            p.entry.application_id: p.standing.position
            for application_id in self.joined
            for p in selectors.positions_of_application(application_id)
            if p.entry.queue.birth_year == TEST_BIRTH_YEAR
        }
        for entry in self.entries():
            self.seen.setdefault(entry.application_id, []).append((self.now, shown.get(entry.application_id)))
            steps = selectors.position_history(entry)
            for moment, position in self.seen[entry.application_id]:
                assert position_at(steps, moment) == position, (entry.application_id, moment, steps)


@pytest.mark.django_db
def test_replaying_the_events_gives_the_position_selectors_show_after_every_step(settlement_a, clock):
    pool = [submit(settlement_a, child=child_details()).pk for _ in range(POOL)]
    HistoryEvents.world = {"settlement": settlement_a, "pool": pool}
    run_state_machine_as_test(
        HistoryEvents,
        settings=hypothesis_settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


def history_of(application) -> list[history.Step]:
    entry = QueueEntry.objects.get(application=application, queue__kind="general")
    return selectors.position_history(entry)


def test_an_enrolment_at_the_front_writes_one_event_however_long_the_queue(settlement_a, clock):
    applications = [submit(settlement_a, child=child_details()) for _ in range(12)]
    before = QueueEvent.objects.count()
    services.leave_queues(application_id=applications[0].pk, reason=LeaveReason.ENROLLED, now=START)
    assert QueueEvent.objects.count() - before == 1
    event = QueueEvent.objects.latest("id")
    assert (event.application_id, event.cause, event.new_class) == (
        applications[0].pk,
        QueueEventCause.ENROLLED,
        QueueEvent.ABSENT,
    )


def test_the_history_names_who_left_ahead_and_who_came_ahead_with_counts(
    settlement_a, specialist_a, second_specialist_a, clock
):
    ahead = [submit(settlement_a, child=child_details()) for _ in range(4)]
    clock.shift(60)
    mine = submit(settlement_a, child=child_details())
    assert history_of(mine)[-1].position_after == 5

    clock.shift(24 * 3600)
    for application in ahead[:2]:
        services.leave_queues(application_id=application.pk, reason=LeaveReason.ENROLLED, now=clock_now())
    application_services.withdraw_application(application=ahead[2], actor=specialist_a, now=clock_now())

    clock.shift(24 * 3600)
    paper = submit(
        settlement_a,
        actor=specialist_a,
        channel=Channel.EDUCATION_DEPARTMENT,
        child=child_details(),
        received_at=START - datetime.timedelta(days=1),
        now=clock_now(),
    )
    with_benefit = submit(
        settlement_a,
        child=child_details(),
        documents=[document(BenefitCategory.SERVICEMAN, clock_now().date())],
        now=clock_now(),
    )
    application_services.confirm_benefit(
        document=with_benefit.benefit_documents.get(), actor=second_specialist_a, now=clock_now()
    )

    days = history.by_day(history_of(mine))
    assert [(d.position_before, d.position_after) for d in days] == [(2, 4), (5, 2), (None, 5)]
    assert days[0].others == {
        (QueueEventCause.BACKDATED_PAPER, history.FURTHER, BenefitClass.GENERAL): 1,
        (QueueEventCause.BENEFIT_CONFIRMED, history.FURTHER, BenefitClass.OUT_OF_TURN): 1,
    }
    assert days[1].others == {
        (QueueEventCause.ENROLLED, history.CLOSER, QueueEvent.ABSENT): 2,
        (QueueEventCause.WITHDRAWN, history.CLOSER, QueueEvent.ABSENT): 1,
    }
    assert [step.cause for step in days[2].own] == [QueueEventCause.SUBMITTED]
    assert paper.submitted_at < mine.submitted_at
    assert selectors.positions_of_application(mine.pk)[0].standing.position == 4


def test_a_history_read_since_a_moment_is_the_tail_of_the_whole_one(settlement_a, clock):
    """The notices of moves read only the latest week: the same steps, from the same positions."""
    ahead = [submit(settlement_a, child=child_details()) for _ in range(6)]
    clock.shift(60)
    mine = submit(settlement_a, child=child_details())
    for application in ahead:
        clock.shift(24 * 3600)
        services.leave_queues(application_id=application.pk, reason=LeaveReason.ENROLLED, now=clock_now())
    entry = QueueEntry.objects.get(application=mine)
    moment = clock_now() - datetime.timedelta(days=2, hours=12)
    whole = selectors.position_histories([entry])[0]
    (tail,) = selectors.position_histories([entry], since=[moment])
    assert tail == [step for step in whole if step.at >= moment]
    assert [(step.position_before, step.position_after) for step in tail] == [(4, 3), (3, 2), (2, 1)]


def test_histories_read_together_are_each_read_alone_even_with_equal_submission_times(
    settlement_a, clock, django_assert_num_queries
):
    """One statement reads the events of several entries of one queue, each against its own order key."""
    same_moment = [submit(settlement_a, child=child_details()) for _ in range(4)]
    clock.shift(3600)
    services.leave_queues(application_id=same_moment[1].pk, reason=LeaveReason.WITHDRAWN, now=clock_now())
    clock.shift(3600)
    later = submit(settlement_a, child=child_details())
    entries = list(
        QueueEntry.objects.filter(application__in=[*same_moment, later]).order_by("application_id")
    )
    assert len({entry.submitted_at for entry in entries[:4]}) == 1
    with django_assert_num_queries(2):
        together = selectors.position_histories(entries)
    assert together == [selectors.position_histories([entry])[0] for entry in entries]
    assert [steps[-1].position_after for steps in together] == [1, None, 2, 3, 4]
    assert [(step.position_before, step.position_after) for step in together[3]] == [(None, 4), (4, 3)]


def test_ones_own_benefit_confirmed_is_an_own_event_with_the_new_class(
    settlement_a, second_specialist_a, clock
):
    [submit(settlement_a, child=child_details()) for _ in range(3)]
    mine = submit(
        settlement_a, child=child_details(), documents=[document(BenefitCategory.SERVICEMAN, START.date())]
    )
    clock.shift(3600)
    application_services.confirm_benefit(
        document=mine.benefit_documents.get(), actor=second_specialist_a, now=clock_now()
    )
    last = history_of(mine)[-1]
    assert (last.own, last.cause, last.new_class) == (
        True,
        QueueEventCause.BENEFIT_CONFIRMED,
        BenefitClass.OUT_OF_TURN,
    )
    assert (last.position_before, last.position_after) == (4, 1)


def test_general_applications_behind_can_push_a_first_turn_one_back_by_the_merge(
    settlement_a, second_specialist_a, clock
):
    """One first-turn after every three general: with only one general, a new general one stands ahead."""
    submit(settlement_a, child=child_details())
    mine = submit(
        settlement_a, child=child_details(), documents=[document(BenefitCategory.ORPHAN, START.date())]
    )
    application_services.confirm_benefit(
        document=mine.benefit_documents.get(), actor=second_specialist_a, now=clock_now()
    )
    clock.shift(3600)
    submit(settlement_a, child=child_details())
    last = history_of(mine)[-1]
    assert (last.own, last.cause, last.position_before, last.position_after) == (
        False,
        QueueEventCause.SUBMITTED,
        2,
        3,
    )
