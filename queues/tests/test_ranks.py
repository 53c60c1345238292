"""The read path from Redis: used when in step, same answers as the reference, never trusted when stale.

Applications are made through the real use cases; the after-commit work the
test's transaction would do on a commit is run with
``django_capture_on_commit_callbacks``.
"""

import datetime
import io
import threading
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from applications import services
from applications.choices import BenefitCategory
from applications.tests.factories import document, submit
from bulletins import services as bulletin_services
from bulletins.tests.factories import at as in_december
from bulletins.tests.factories import group_in, kindergarten_staff, published_bulletin, waiting
from placements import services as placement_services
from placements.tests.factories import take
from queues import ranks, selectors
from queues.models import Queue, QueueChange, QueueEntry

pytestmark = pytest.mark.usefixtures("english")

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")


def at(day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, tzinfo=ALMATY)


@pytest.fixture
def queue_of_ten(settlement_a, second_specialist_a, ranks_redis):
    """Ten applications in one general queue: seven general, two first-turn, one out-of-turn."""
    applications = [submit(settlement_a, now=at(day)) for day in range(2, 9)]
    for day, category in ((1, BenefitCategory.LARGE_FAMILY), (3, BenefitCategory.ORPHAN), (9, "teacher")):
        application = submit(settlement_a, now=at(day, 9), documents=[document(category, at(day).date())])
        services.confirm_benefit(
            document=application.benefit_documents.get(), actor=second_specialist_a, now=at(day, 11)
        )
        applications.append(application)
    return applications


def the_queue(applications) -> Queue:
    return Queue.objects.get(entries__application=applications[0])


def in_step(queue: Queue) -> bool:
    queue.refresh_from_db()
    return ranks.client().get(ranks._keys(queue.pk)[0]) == str(queue.version)


def reference_answers(queue: Queue, applications):
    entries = QueueEntry.objects.standing().filter(application__in=applications).select_related("queue")
    positions = {entry.application_id: selectors.reference_standing(entry) for entry in entries}
    pages = [
        [
            (row.position, row.entry.application_id)
            for row in selectors.reference_page(queue, offset=o, limit=3)
        ]
        for o in range(0, 12)
    ]
    return positions, pages


def answers(queue: Queue, applications):
    found = selectors.positions_of_applications(a.pk for a in applications)
    positions = {p.entry.application_id: p.standing for ps in found.values() for p in ps}
    pages = [
        [(row.position, row.entry.application_id) for row in selectors.queue_page(queue, offset=o, limit=3)]
        for o in range(0, 12)
    ]
    return positions, pages


def counted(queries) -> bool:
    return any("COUNT(" in query["sql"].upper() for query in queries)


def test_in_step_redis_answers_every_read_without_counting(queue_of_ten):
    queue = the_queue(queue_of_ten)
    assert ranks.rebuild_queue(queue.pk)
    expected = reference_answers(queue, queue_of_ten)

    with CaptureQueriesContext(connection) as queries:
        found = answers(queue, queue_of_ten)
        sizes = selectors.class_sizes(queue.pk)

    assert found == expected
    assert not counted(queries.captured_queries)
    assert (sizes.out_of_turn, sizes.first_turn, sizes.general) == (1, 2, 7)
    assert [found[0][a.pk].position for a in queue_of_ten] == [2, 3, 4, 6, 7, 8, 10, 5, 9, 1]


def test_committed_changes_keep_redis_in_step(
    queue_of_ten, settlement_a, specialist_a, second_specialist_a, django_capture_on_commit_callbacks
):
    queue = the_queue(queue_of_ten)
    ranks.rebuild_queue(queue.pk)
    with django_capture_on_commit_callbacks(execute=True):
        late = submit(settlement_a, now=at(20), documents=[document("orphan", at(20).date())])
    with django_capture_on_commit_callbacks(execute=True):
        paper = submit(
            settlement_a,
            actor=specialist_a,
            channel="education_department",
            received_at=at(18, 9),
            now=at(20, 12),
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_benefit(document=late.benefit_documents.get(), actor=second_specialist_a, now=at(21))
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_application(application=queue_of_ten[0], actor=specialist_a, now=at(21))
    everyone = [*queue_of_ten, late, paper]

    assert in_step(queue)
    expected = reference_answers(queue, everyone)
    with CaptureQueriesContext(connection) as queries:
        assert answers(queue, everyone) == expected
    assert not counted(queries.captured_queries)


@pytest.mark.parametrize("damage", ["wrong version", "missing version", "missing class set"])
def test_a_stale_copy_is_never_trusted_and_is_rebuilt(
    queue_of_ten, damage, django_capture_on_commit_callbacks
):
    queue = the_queue(queue_of_ten)
    ranks.rebuild_queue(queue.pk)
    version_key, _, _, general_key = ranks._keys(queue.pk)
    r = ranks.client()
    if damage == "wrong version":
        r.set(version_key, "12345")
    elif damage == "missing version":
        r.delete(version_key)
    else:
        r.delete(general_key)
    expected = reference_answers(queue, queue_of_ten)

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        assert answers(queue, queue_of_ten) == expected
    assert counted(queries.captured_queries)
    assert in_step(queue)  # a reader asked for a rebuild, which ran after its "commit"
    with CaptureQueriesContext(connection) as queries:
        assert answers(queue, queue_of_ten) == expected
    assert not counted(queries.captured_queries)


def test_a_member_missing_from_redis_is_not_trusted_for_its_position(queue_of_ten):
    queue = the_queue(queue_of_ten)
    ranks.rebuild_queue(queue.pk)
    first_general = queue_of_ten[0]
    ranks.client().zrem(ranks._keys(queue.pk)[3], ranks.member(first_general.pk))

    (position,) = selectors.positions_of_application(first_general.pk)
    assert position.standing.position == 2


def test_a_change_applied_to_a_damaged_copy_leaves_it_stale(
    queue_of_ten, settlement_a, django_capture_on_commit_callbacks
):
    """A set evicted while the version stayed: the change is not applied, the version is dropped."""
    queue = the_queue(queue_of_ten)
    ranks.rebuild_queue(queue.pk)
    ranks.client().delete(ranks._keys(queue.pk)[1])
    with django_capture_on_commit_callbacks() as callbacks:
        newcomer = submit(settlement_a, now=at(22))
    (apply,) = [c for c in callbacks if c.__module__ == ranks.__name__]
    apply()
    assert ranks.client().get(ranks._keys(queue.pk)[0]) is None
    (position,) = selectors.positions_of_application(newcomer.pk)
    assert position.standing.position == 11


def test_a_rolled_back_change_never_reaches_redis(
    queue_of_ten, settlement_a, django_capture_on_commit_callbacks
):
    queue = the_queue(queue_of_ten)
    ranks.rebuild_queue(queue.pk)
    before = ranks.client().zrange(ranks._keys(queue.pk)[3], 0, -1)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                submit(settlement_a, now=at(22))
                raise RuntimeError("the request failed after the change")
        except RuntimeError:
            pass

    assert callbacks == []
    assert ranks.client().zrange(ranks._keys(queue.pk)[3], 0, -1) == before
    assert in_step(queue)


def test_callbacks_run_out_of_order_leave_redis_caught_up_from_the_log(
    queue_of_ten, settlement_a, specialist_a, django_capture_on_commit_callbacks
):
    """Two committed changes whose after-commit work runs in the wrong order: the second finds Redis
    behind and replays both from the pending-change log; the first then finds nothing to do."""
    queue = the_queue(queue_of_ten)
    ranks.rebuild_queue(queue.pk)
    with django_capture_on_commit_callbacks() as first:
        newcomer = submit(settlement_a, now=at(22))
    with django_capture_on_commit_callbacks() as second:
        services.withdraw_application(application=queue_of_ten[1], actor=specialist_a, now=at(23))
    (apply_second,) = [c for c in second if c.__module__ == ranks.__name__]
    (apply_first,) = [c for c in first if c.__module__ == ranks.__name__]
    everyone = [*queue_of_ten, newcomer]
    expected = reference_answers(queue, everyone)

    apply_second()
    assert in_step(queue)
    apply_first()

    assert in_step(queue)
    with CaptureQueriesContext(connection) as queries:
        assert answers(queue, everyone) == expected
    assert not counted(queries.captured_queries)


@pytest.mark.parametrize("first_walk", [ranks.FIRST_WALK, 2])
def test_positions_are_exact_without_counting_while_redis_lags_behind_committed_changes(
    queue_of_ten,
    settlement_a,
    specialist_a,
    second_specialist_a,
    django_capture_on_commit_callbacks,
    monkeypatch,
    first_walk,
):
    """A storm of changes whose Redis updates have not landed yet: each reader corrects Redis's
    ranks by the logged changes in between (issue 11, look-ups during enrolments), reading the
    latest few log rows first and more only when those do not reach back to Redis's version."""
    walks = {limit: ranks._latest_changes(limit) for limit in (first_walk, ranks.PENDING_WALK)}
    monkeypatch.setattr(ranks, "_LATEST_CHANGES", walks)
    queue = the_queue(queue_of_ten)
    ranks.rebuild_queue(queue.pk)
    with django_capture_on_commit_callbacks():  # committed; their Redis updates never run
        newcomer = submit(settlement_a, now=at(22), documents=[document("orphan", at(22).date())])
        backdated = submit(
            settlement_a,
            actor=specialist_a,
            channel="education_department",
            received_at=at(4, 12),
            now=at(10),
        )
        services.confirm_benefit(
            document=newcomer.benefit_documents.get(), actor=second_specialist_a, now=at(23)
        )
        services.withdraw_application(application=queue_of_ten[0], actor=specialist_a, now=at(23))
        services.withdraw_application(application=queue_of_ten[-1], actor=specialist_a, now=at(23))
    bystanders = [a for a in queue_of_ten if a not in (queue_of_ten[0], queue_of_ten[-1])]
    expected, _pages = reference_answers(queue, [*bystanders, backdated])

    assert not in_step(queue)
    with CaptureQueriesContext(connection) as queries:
        found = selectors.positions_of_applications(a.pk for a in bystanders)
    assert {p.entry.application_id: p.standing for ps in found.values() for p in ps} == {
        pk: standing for pk, standing in expected.items() if pk != backdated.pk
    }
    assert not counted(queries.captured_queries)
    # The newcomer moved itself: Redis has no rank of it to correct, so its answer is counted.
    (position,) = selectors.positions_of_application(newcomer.pk)
    assert position.standing == selectors.reference_standing(position.entry)


def test_a_reader_whose_snapshot_is_older_than_redis_undoes_the_changes_in_between(
    queue_of_ten, specialist_a, django_capture_on_commit_callbacks
):
    """A change committed and applied to Redis after the reader loaded its entries: Redis is ahead
    of the reader's version, and the reader's answer is where the entries stood in its own snapshot,
    without counting (the race that sent readers to the reference during the enrolment storm)."""
    queue = the_queue(queue_of_ten)
    ranks.rebuild_queue(queue.pk)
    bystanders = queue_of_ten[2:9]
    loaded = list(QueueEntry.objects.filter(application__in=bystanders).select_related("queue"))
    expected = [selectors.reference_standing(entry) for entry in loaded]
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_application(application=queue_of_ten[0], actor=specialist_a, now=at(23))
        services.withdraw_application(application=queue_of_ten[-1], actor=specialist_a, now=at(23))
    assert in_step(queue)  # Redis already holds the versions after both withdrawals

    with CaptureQueriesContext(connection) as queries:
        found = selectors.positions_of_entries(loaded)

    assert [position.standing for position in found] == expected
    assert not counted(queries.captured_queries)
    fresh = selectors.positions_of_applications(a.pk for a in bystanders)
    assert {p.entry.application_id: p.standing.position for ps in fresh.values() for p in ps} != {
        p.entry.application_id: p.standing.position for p in found
    }  # the withdrawals moved them: the answer above was the older snapshot's, not the newer one


@pytest.mark.django_db(transaction=True)
def test_a_look_up_during_an_uncommitted_enrolment_is_exact_and_counts_nothing(
    settlement_a, kindergarten_a, specialist_a, ranks_redis
):
    """The kindergarten registers a child in another connection and has not committed yet: it holds
    the queue's row, and a parent's look-up neither waits for it nor counts the queue; once it
    commits, the next look-up already has the child gone, still without counting."""
    enrolled, *bystanders = waiting(settlement_a, 5, first=at(2))
    group = group_in(kindergarten_a)
    bulletin = published_bulletin(specialist_a, {group: 1}, now=in_december(14))
    bulletin_services.open_access(bulletin_id=bulletin.pk, now=in_december(14))
    referral = take(enrolled, bulletin.places.get(), now=in_december(15))
    staff = kindergarten_staff(kindergarten_a)
    queue = the_queue(bystanders)
    assert ranks.rebuild_queue(queue.pk)
    before = {a.pk: position for a, position in zip(bystanders, [2, 3, 4, 5], strict=True)}
    holding, release = threading.Event(), threading.Event()

    def enrol_and_wait():
        try:
            with transaction.atomic():
                placement_services.register_enrolment(referral=referral, actor=staff, now=in_december(16))
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=enrol_and_wait)
    writer.start()
    try:
        assert holding.wait(10)
        with CaptureQueriesContext(connection) as during:
            positions = selectors.positions_of_applications(a.pk for a in bystanders)
    finally:
        release.set()
        writer.join()
    after = selectors.positions_of_applications(a.pk for a in bystanders)

    def shown(found):
        return {p.entry.application_id: p.standing.position for ps in found.values() for p in ps}

    assert shown(positions) == before
    assert not counted(during.captured_queries)
    assert shown(after) == {pk: position - 1 for pk, position in before.items()}
    assert in_step(queue)


def test_redis_beyond_the_log_is_counted_and_rebuilt(queue_of_ten, settlement_a, settings):
    queue = the_queue(queue_of_ten)
    ranks.rebuild_queue(queue.pk)
    settings.QUEUE_RANKS_REDIS_URL, url = "", settings.QUEUE_RANKS_REDIS_URL
    newcomer = submit(settlement_a, now=at(22))  # Redis never hears of it
    settings.QUEUE_RANKS_REDIS_URL = url
    QueueChange.objects.all().delete()  # as after the purge of old log rows
    expected = reference_answers(queue, [*queue_of_ten, newcomer])

    with CaptureQueriesContext(connection) as queries:
        assert answers(queue, [*queue_of_ten, newcomer]) == expected
    assert counted(queries.captured_queries)


def test_without_redis_every_read_is_the_reference(queue_of_ten, settings):
    queue = the_queue(queue_of_ten)
    ranks.rebuild_queue(queue.pk)
    expected = reference_answers(queue, queue_of_ten)
    settings.QUEUE_RANKS_REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    assert answers(queue, queue_of_ten) == expected
    assert ranks.client() is None  # paused after the error: the next reads do not wait for Redis
    settings.QUEUE_RANKS_REDIS_URL = ""
    assert answers(queue, queue_of_ten) == expected


def test_rebuild_all_after_a_loss_of_redis(queue_of_ten, settlement_b, ranks_redis):
    other = submit(settlement_b, now=at(3))
    queues = [the_queue(queue_of_ten), the_queue([other])]
    empty = Queue.objects.create(settlement=settlement_b, birth_year=2023, kind="special")
    call_command("rebuild_queue_ranks", stdout=io.StringIO())
    assert all(in_step(queue) for queue in [*queues, empty])
    assert selectors.class_sizes(empty.pk).total == 0
    (position,) = selectors.positions_of_application(other.pk)
    assert position.standing.position == 1


def test_the_log_keeps_a_day_of_changes(settlement_a):
    with time_machine.travel(at(20), tick=False) as clock:
        yesterdays = submit(settlement_a, now=at(20))
        clock.shift(datetime.timedelta(hours=20))
        todays = submit(settlement_a, now=at(20, 20))
        clock.shift(datetime.timedelta(hours=5))

        assert ranks.purge_changes() == 1
    assert list(QueueChange.objects.values_list("application_id", flat=True)) == [todays.pk]
    assert yesterdays.pk != todays.pk
