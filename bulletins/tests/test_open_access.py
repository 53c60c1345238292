"""Opening access: the first N eligible in queue order, once, however often or however interrupted it runs."""

import datetime

import pytest
import time_machine

from accounts.sms import SmsDeliveryError
from applications import notifications
from applications import services as application_services
from applications.choices import BenefitCategory, Status
from applications.tests.factories import child_details, document, submit
from audit.models import AuditEvent
from bulletins import services, tasks
from bulletins.choices import AccessStatus
from bulletins.models import Access
from bulletins.tests.factories import (
    MONDAY_14_DECEMBER,
    at,
    group_in,
    kindergarten_staff,
    published_bulletin,
    queue_of,
    waiting,
)
from core import outbox
from dispatch.models import PendingTask
from placements import services as placement_services
from placements.selectors import take_refusal
from placements.tests.factories import take
from queues.selectors import queue_page

pytestmark = pytest.mark.usefixtures("english")

NOW = MONDAY_14_DECEMBER


def submit_with_benefit(settlement, category, *, now, specialist):
    """An application whose benefit a specialist confirmed the same day."""
    application = submit(
        settlement, child=child_details(), documents=[document(category, now.date())], now=now
    )
    application_services.confirm_benefit(
        document=application.benefit_documents.get(), actor=specialist, now=now
    )
    return application


@pytest.fixture
def group(kindergarten_a):
    return group_in(kindergarten_a)


@pytest.fixture
def worked_example(settlement_a, specialist_a, group):
    """The queue of RULES.md section 3: E1, G1, G2, G3, P1, G4, G5, G6, P2, by name."""
    names = {}
    names["P1"] = submit_with_benefit(
        settlement_a, BenefitCategory.ORPHAN, now=at(2, 9, month=11), specialist=specialist_a
    )
    for index, application in enumerate(waiting(settlement_a, 6, first=at(3, 9, month=11)), start=1):
        names[f"G{index}"] = application
    names["P2"] = submit_with_benefit(
        settlement_a, BenefitCategory.LARGE_FAMILY, now=at(4, 9, month=11), specialist=specialist_a
    )
    names["E1"] = submit_with_benefit(
        settlement_a, BenefitCategory.SERVICEMAN, now=at(20, 9, month=11), specialist=specialist_a
    )
    order = [names[name].pk for name in ("E1", "G1", "G2", "G3", "P1", "G4", "G5", "G6", "P2")]
    assert [row.entry.application_id for row in queue_page(queue_of(group), offset=0, limit=20)] == order
    return names


def with_access(bulletin, queue=None) -> set[int]:
    accesses = Access.objects.filter(bulletin=bulletin)
    if queue is not None:
        accesses = accesses.filter(queue=queue)
    return set(accesses.values_list("application_id", flat=True))


def ids(names, *keys) -> set[int]:
    return {names[key].pk for key in keys}


def test_access_opens_to_the_first_in_queue_order(worked_example, specialist_a, group):
    bulletin = published_bulletin(specialist_a, {group: 5}, now=NOW)

    assert services.open_access(bulletin_id=bulletin.pk, now=NOW) == 5

    # Out-of-turn first, then three general before the first first-turn one.
    assert with_access(bulletin) == ids(worked_example, "E1", "G1", "G2", "G3", "P1")
    positions = dict(Access.objects.filter(bulletin=bulletin).values_list("application_id", "position"))
    assert positions[worked_example["P1"].pk] == 5
    for name in ("E1", "G1", "P1"):
        worked_example[name].refresh_from_db()
        assert worked_example[name].status == Status.ACCESS_OPEN
    worked_example["G4"].refresh_from_db()
    assert worked_example["G4"].status == Status.IN_QUEUE
    access = Access.objects.get(bulletin=bulletin, application=worked_example["E1"])
    assert (access.status, access.opened_at, access.ends_at) == (
        AccessStatus.OPEN,
        NOW,
        bulletin.priority_until,
    )
    assert AuditEvent.objects.filter(action="access.opened").count() == 5


def test_holders_of_a_referral_and_the_stop_listed_are_skipped(
    worked_example, specialist_a, group, kindergarten_a
):
    earlier_group = group_in(kindergarten_a)
    # A bulletin of 1 December: its window ended at midnight after Friday 4 December, open to all since.
    earlier = published_bulletin(specialist_a, {earlier_group: 2}, now=at(1))
    place = earlier.places.get()
    take(worked_example["G2"], place, now=at(8))
    no_show = take(worked_example["G4"], place, now=at(8, 11))
    placement_services.report_no_show(referral=no_show, actor=kindergarten_staff(kindergarten_a), now=at(10))
    worked_example["G4"].refresh_from_db()
    assert worked_example["G4"].status == Status.STOP_LIST

    bulletin = published_bulletin(specialist_a, {group: 5}, now=NOW)
    services.open_access(bulletin_id=bulletin.pk, now=NOW)

    assert with_access(bulletin) == ids(worked_example, "E1", "G1", "G3", "P1", "G5")


def test_open_access_from_another_bulletin_in_the_queue_is_skipped(
    worked_example, specialist_a, group, kindergarten_a
):
    first = published_bulletin(specialist_a, {group: 2}, now=NOW)
    services.open_access(bulletin_id=first.pk, now=NOW)
    second = published_bulletin(
        specialist_a, {group_in(kindergarten_a): 2}, now=NOW + datetime.timedelta(days=1)
    )
    services.open_access(bulletin_id=second.pk, now=NOW + datetime.timedelta(days=1))

    assert with_access(first) == ids(worked_example, "E1", "G1")
    assert with_access(second) == ids(worked_example, "G2", "G3")


def test_two_bulletins_opened_together_give_one_queue_to_different_children_the_older_first(
    worked_example, specialist_a, group, kindergarten_a
):
    first = published_bulletin(specialist_a, {group: 2}, now=NOW)
    second = published_bulletin(specialist_a, {group_in(kindergarten_a): 3}, now=NOW)

    assert services.open_access_of([second.pk, first.pk], now=NOW) == 5

    assert with_access(first) == ids(worked_example, "E1", "G1")
    assert with_access(second) == ids(worked_example, "G2", "G3", "P1")
    assert services.open_access_of([first.pk, second.pk], now=NOW) == 0


def test_the_task_opens_every_bulletin_still_due_and_the_later_tasks_find_nothing_left(
    worked_example, specialist_a, group, kindergarten_a
):
    opened_before = published_bulletin(specialist_a, {group: 1}, now=NOW)
    services.open_access(bulletin_id=opened_before.pk, now=NOW)
    first = published_bulletin(specialist_a, {group_in(kindergarten_a): 2}, now=NOW)
    second = published_bulletin(specialist_a, {group_in(kindergarten_a): 1}, now=NOW)

    assert services.open_access_due(bulletin_id=second.pk, now=NOW) == 3
    assert services.open_access_due(bulletin_id=first.pk, now=NOW) == 0
    assert services.open_access_due(bulletin_id=second.pk, now=NOW) == 0

    assert with_access(opened_before) == ids(worked_example, "E1")
    assert with_access(first) == ids(worked_example, "G1", "G2")
    assert with_access(second) == ids(worked_example, "G3")


# Born 2019: on 1 September 2026 the child is seven if born by then (too old for the queue), six after.
TOO_OLD = datetime.date(2019, 3, 1)
STILL_SIX = datetime.date(2019, 10, 15)


def test_a_child_too_old_for_the_group_is_skipped_and_the_next_child_gets_access(
    settlement_a, specialist_a, kindergarten_a
):
    """RULES.md section 5: access would only let them hold a place for days and be refused at the take."""
    group = group_in(kindergarten_a, birth_year=2019)
    # Both applied in the autumn of 2025, when both were six on 1 September 2025; the ageing-out job has
    # not taken the elder out yet.
    (elder,) = waiting(settlement_a, 1, first=at(2, month=11, year=2025), birth_date=TOO_OLD)
    (younger,) = waiting(settlement_a, 1, first=at(3, month=11, year=2025), birth_date=STILL_SIX)
    bulletin = published_bulletin(specialist_a, {group: 1}, now=NOW)

    assert services.open_access(bulletin_id=bulletin.pk, now=NOW) == 1

    assert with_access(bulletin) == {younger.pk}
    elder.refresh_from_db()
    assert elder.status == Status.IN_QUEUE  # still in the queue, position kept, until the job runs
    assert take_refusal(elder, bulletin.places.get(), now=NOW) is not None  # the take would refuse them


def test_a_child_too_old_with_a_pmpk_conclusion_still_gets_access(settlement_a, specialist_a, kindergarten_a):
    group = group_in(kindergarten_a, birth_year=2019)
    elder = submit(
        settlement_a,
        child=child_details(birth_date=TOO_OLD),
        documents=[document(BenefitCategory.SPECIAL_NEEDS, at(1, month=11, year=2025).date())],
        now=at(2, month=11, year=2025),
    )
    waiting(settlement_a, 1, first=at(3, month=11, year=2025), birth_date=STILL_SIX)
    bulletin = published_bulletin(specialist_a, {group: 1}, now=NOW)

    services.open_access(bulletin_id=bulletin.pk, now=NOW)

    assert with_access(bulletin) == {elder.pk}


def test_a_queue_shorter_than_the_places_gives_access_to_all_it_has(settlement_a, specialist_a, group):
    applications = waiting(settlement_a, 2, first=at(2, month=11))
    bulletin = published_bulletin(specialist_a, {group: 5}, now=NOW)
    assert services.open_access(bulletin_id=bulletin.pk, now=NOW) == 2
    assert with_access(bulletin) == {application.pk for application in applications}


def test_a_child_in_two_queues_may_get_access_in_both(settlement_a, specialist_a, group, kindergarten_a):
    special_group = group_in(kindergarten_a, kind="special")
    child = submit(
        settlement_a,
        wants_special=True,
        documents=[document(BenefitCategory.SPECIAL_NEEDS, at(1, month=11).date())],
        now=at(1, month=11),
    )
    bulletin = published_bulletin(specialist_a, {group: 1, special_group: 1}, now=NOW)
    assert services.open_access(bulletin_id=bulletin.pk, now=NOW) == 2
    assert (
        with_access(bulletin, queue_of(group)) == with_access(bulletin, queue_of(special_group)) == {child.pk}
    )


def test_run_twice_it_opens_nothing_new_and_tells_each_parent_once(
    worked_example, specialist_a, group, django_capture_on_commit_callbacks
):
    bulletin = published_bulletin(specialist_a, {group: 3}, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.open_access(bulletin_id=bulletin.pk, now=NOW) == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert services.open_access(bulletin_id=bulletin.pk, now=NOW + datetime.timedelta(hours=1)) == 0

    assert Access.objects.filter(bulletin=bulletin).count() == 3
    for name in ("E1", "G1", "G2"):
        (text,) = outbox.messages_to(worked_example[name].applicant.phone, channel="sms")
        assert worked_example[name].display_number in text
        assert "18.12.2026" in text  # the window's last day, in the parent's language
        assert "кезектегі орныңыз сақталады" in text  # "you keep your position", in Kazakh
    assert outbox.messages_to(worked_example["G3"].applicant.phone, channel="sms") == []


def test_notices_go_many_to_a_message_and_a_gateway_failure_tells_nobody_twice(
    worked_example, specialist_a, group, monkeypatch
):
    monkeypatch.setattr(services, "NOTICES_PER_MESSAGE", 2)
    sms = []
    failed = []

    def send_sms(*, phone, text):
        if len(sms) == 1 and not failed:  # the gateway refuses the second notice once
            failed.append(phone)
            raise SmsDeliveryError("SMS gateway answered 503")
        sms.append(phone)

    monkeypatch.setattr(notifications, "send_sms", send_sms)
    bulletin = published_bulletin(specialist_a, {group: 3}, now=NOW)
    assert services.open_access(bulletin_id=bulletin.pk, now=NOW) == 3

    messages = PendingTask.objects.filter(task=tasks.notify_access_opened.name).order_by("pk")
    assert [len(message.args) for message in messages] == [2, 1]
    for message in messages:  # as a worker runs them, retrying what the gateway refused
        tasks.notify_access_opened.apply(args=message.args, task_id=message.celery_id, throw=False)
    parents = [worked_example[name].applicant.phone for name in ("E1", "G1", "G2")]
    assert failed  # the gateway did refuse one
    assert sorted(sms) == sorted(parents)  # each told once, the refused one on the retry


def test_accesses_that_ended_still_count_for_their_bulletin(worked_example, specialist_a, group):
    bulletin = published_bulletin(specialist_a, {group: 2}, now=NOW)
    services.open_access(bulletin_id=bulletin.pk, now=NOW)
    take(worked_example["E1"], bulletin.places.get(), now=NOW + datetime.timedelta(hours=2))

    assert services.open_access(bulletin_id=bulletin.pk, now=NOW + datetime.timedelta(days=1)) == 0
    assert with_access(bulletin) == ids(worked_example, "E1", "G1")


def test_a_bulletin_whose_window_is_over_opens_nothing(worked_example, specialist_a, group):
    bulletin = published_bulletin(specialist_a, {group: 2}, now=NOW)
    assert services.open_access(bulletin_id=bulletin.pk, now=bulletin.priority_until) == 0
    assert not Access.objects.exists()


# --- Real commits: the task, interrupted half-way and run again --------------------------------------


@pytest.fixture
def two_queues(settlement_a, specialist_a, kindergarten_a, monkeypatch):
    """Two queues (born 2022, born 2023) of three applicants each, and a bulletin of 2 places in each.

    Publication's own ``open_access`` is recorded, not run, so each test runs the task itself.
    """
    enqueued = []
    monkeypatch.setattr(tasks.open_access, "apply_async", lambda args, *_, **__: enqueued.extend(args))
    older, younger = group_in(kindergarten_a, birth_year=2022), group_in(kindergarten_a, birth_year=2023)
    first = waiting(settlement_a, 3, first=at(2, month=11), birth_date=datetime.date(2022, 4, 12))
    second = waiting(settlement_a, 3, first=at(2, month=11), birth_date=datetime.date(2023, 4, 12))
    bulletin = published_bulletin(specialist_a, {older: 2, younger: 2}, now=NOW)
    assert enqueued == [bulletin.pk]
    return bulletin, queue_of(older), queue_of(younger), first, second


def state(bulletin) -> set[tuple]:
    return set(
        Access.objects.filter(bulletin=bulletin).values_list(
            "queue_id", "application_id", "position", "status", "application__status"
        )
    )


def interrupt_the_second_queue_once(monkeypatch, second_queue):
    """One queue per transaction; the second queue's fails once, after its accesses are written."""
    monkeypatch.setattr(services, "OPEN_ACCESS_BATCH", 1)
    original = services.enqueue_select
    calls = {"failed": False}

    def enqueue_select(task, **kwargs):
        queues = set(Access.objects.filter(opened_at=NOW).values_list("queue", flat=True))
        if second_queue.pk in queues and not calls["failed"]:
            calls["failed"] = True
            raise ConnectionError("worker lost in the middle of the second queue")
        return original(task, **kwargs)

    monkeypatch.setattr(services, "enqueue_select", enqueue_select)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", ["clean", "interrupted and run again", "run twice"])
def test_the_task_ends_in_the_same_state_however_it_ran(two_queues, monkeypatch, run):
    bulletin, first_queue, second_queue, first, second = two_queues
    with time_machine.travel(NOW, tick=False):
        if run == "interrupted and run again":
            interrupt_the_second_queue_once(monkeypatch, second_queue)
            with pytest.raises(ConnectionError):
                tasks.open_access.apply(args=[bulletin.pk])
            # The first queue's transaction committed; the second rolled back whole.
            assert with_access(bulletin, first_queue) == {first[0].pk, first[1].pk}
            assert with_access(bulletin, second_queue) == set()
        tasks.open_access.apply(args=[bulletin.pk])
        if run == "run twice":
            assert tasks.open_access.apply(args=[bulletin.pk]).get() == 0

    assert state(bulletin) == {
        (first_queue.pk, first[0].pk, 1, AccessStatus.OPEN, Status.ACCESS_OPEN),
        (first_queue.pk, first[1].pk, 2, AccessStatus.OPEN, Status.ACCESS_OPEN),
        (second_queue.pk, second[0].pk, 1, AccessStatus.OPEN, Status.ACCESS_OPEN),
        (second_queue.pk, second[1].pk, 2, AccessStatus.OPEN, Status.ACCESS_OPEN),
    }
    for application in (*first[:2], *second[:2]):
        assert len(outbox.messages_to(application.applicant.phone, channel="sms")) == 2  # registered, access
    for application in (first[2], second[2]):
        assert len(outbox.messages_to(application.applicant.phone, channel="sms")) == 1  # registered only


def test_a_benefit_that_expired_at_midnight_no_longer_counts_when_access_opens(
    settlement_a, specialist_a, group
):
    """Nobody read the queue since midnight and the nightly job has not run: the pick still must not
    count a teacher's certificate that ended the day before (RULES.md 3; issue 15)."""
    (general,) = waiting(settlement_a, 1, first=at(3, 9, month=11))
    day_before = NOW - datetime.timedelta(days=1)
    with time_machine.travel(day_before, tick=False):
        teacher = submit(
            settlement_a,
            child=child_details(),
            documents=[document("teacher", day_before.date())],
            now=day_before,
        )
    with time_machine.travel(NOW, tick=False):
        application_services.confirm_benefit(
            document=teacher.benefit_documents.get(),
            actor=specialist_a,
            valid_until=NOW.date() + datetime.timedelta(days=2),
            now=NOW,
        )
    after_midnight = NOW + datetime.timedelta(days=3)
    with time_machine.travel(after_midnight, tick=False):
        bulletin = published_bulletin(specialist_a, {group: 1}, now=after_midnight)

        services.open_access(bulletin_id=bulletin.pk, now=after_midnight)

    assert with_access(bulletin) == {general.pk}
