"""The outbox: tasks commit with the change, wait while the broker is away, and are sent once."""

import datetime
import threading
import time

import pytest
import redis
from celery.exceptions import NotRegistered
from celery.signals import worker_ready
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from applications import tasks as application_tasks
from applications.tests.factories import submit
from bulletins import tasks as bulletin_tasks
from core import clock
from core.inserts import json_array_sql
from dispatch import services
from dispatch.models import PendingTask

from .conftest import sms_sent

NOTICE = "applications.tasks.notify_application_registered"


def queued_messages(queue: str) -> int:
    """How many messages wait in a queue of the suite's Redis (kombu keeps each queue as a list)."""
    return redis.Redis.from_url(settings.REDIS_URL).llen(queue)


def enqueue_calls(task: str, count: int) -> int:
    """``count`` calls of ``task`` chosen in SQL, with the arguments 1 .. ``count``, as a bulletin enqueues
    its notices."""
    select = f"SELECT {json_array_sql('n')} AS args FROM generate_series(1, %(count)s) AS n"  # noqa: S608
    return services.enqueue_select(task, select=select, params={"count": count})


@pytest.fixture
def application(settlement_a):
    return submit(settlement_a)  # its notice waits in the outbox: the test transaction never commits


@pytest.mark.django_db
def test_a_task_name_no_task_answers_to_is_refused_before_anything_is_written():
    with pytest.raises(NotRegistered):
        services.enqueue("applications.tasks.notify_nobody", 1)

    assert not PendingTask.objects.exists()


def test_a_change_leaves_its_task_in_the_outbox_until_it_commits(application):
    (row,) = PendingTask.objects.all()

    assert (row.task, row.args, row.kwargs, row.sent_at, row.attempts) == (
        NOTICE,
        [application.pk],
        {},
        None,
        0,
    )


def test_a_change_rolled_back_leaves_no_task(settlement_a):
    with transaction.atomic():
        submit(settlement_a)
        transaction.set_rollback(True)

    assert not PendingTask.objects.exists()


def test_with_eager_tasks_the_task_runs_at_commit_and_the_row_is_sent(
    settlement_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(settlement_a)

    row = PendingTask.objects.get()
    assert row.sent_at is not None
    assert row.done_at is not None
    assert application.display_number in sms_sent(timeout=0)[0]


def test_a_relay_run_twice_sends_once(application, broker):
    broker.up()

    assert services.relay_pending() == 1
    assert services.relay_pending() == 0
    assert queued_messages("notifications") == 1
    assert PendingTask.objects.get().attempts == 1


def test_the_relay_sends_the_oldest_first_and_no_more_than_asked(settlement_a, broker):
    first, second = submit(settlement_a), submit(settlement_a)
    broker.up()

    assert services.relay_pending(limit=1) == 1
    assert list(PendingTask.objects.filter(sent_at__isnull=False).values_list("args", flat=True)) == [
        [first.pk]
    ]
    assert services.relay_pending(limit=1) == 1
    assert PendingTask.objects.get(args=[second.pk]).sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_row_being_sent_by_another_relay_is_skipped_not_sent_twice(settlement_a, broker):
    broker.down()
    submit(settlement_a)  # committed, and its own send failed
    broker.up()
    locked, release = threading.Event(), threading.Event()

    def another_relay_holding_the_row():
        with transaction.atomic():
            list(PendingTask.objects.select_for_update())
            locked.set()
            release.wait(10)

    other = threading.Thread(target=another_relay_holding_the_row)
    other.start()
    locked.wait(10)
    try:
        assert services.relay_pending() == 0
    finally:
        release.set()
        other.join()
    assert services.relay_pending() == 1
    assert queued_messages("notifications") == 1


def test_rows_relayed_ask_for_one_relay_and_it_sends_them_all(broker, db, django_capture_on_commit_callbacks):
    """A rush's notices: each commit asks for a relay unless one is due, and that relay sends every row."""
    broker.up()
    cache.delete(services.RELAY_ASKED_KEY)
    for take in (1, 2, 3):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            services.enqueue_relayed(NOTICE, take)

    assert queued_messages("celery") == 1  # the relay asked for once, not three hand-overs
    assert PendingTask.objects.filter(sent_at__isnull=True).count() == 3  # never lost: waiting for it

    assert services.relay_pending() == 3  # the relay, when it runs
    assert queued_messages("notifications") == 3
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.enqueue_relayed(NOTICE, 4)
    assert queued_messages("celery") == 2  # a row committed after the relay started asks again


def test_a_second_delivery_of_a_notice_sends_no_second_sms(application):
    row = PendingTask.objects.get()

    for _ in range(2):  # a relay resent the row after Redis took it but the answer was lost
        application_tasks.notify_application_registered.apply([application.pk], task_id=row.celery_id)

    assert len(sms_sent(timeout=0)) == 1
    row.refresh_from_db()
    assert row.done_at is not None


def test_a_notice_sent_without_the_outbox_runs_each_time(application):
    for _ in range(2):
        application_tasks.notify_application_registered.apply([application.pk])

    assert len(sms_sent(timeout=0)) == 2


@pytest.mark.django_db(transaction=True)
def test_twenty_five_thousand_notices_are_enqueued_in_seconds(broker):
    broker.up()
    started = time.monotonic()

    with transaction.atomic():
        count = enqueue_calls(bulletin_tasks.notify_access_opened.name, 25_000)

    assert count == 25_000
    assert time.monotonic() - started < 20  # a loaded CI machine; about 2 s on a quiet one
    assert queued_messages("celery") == 50  # one message per chunk of 500 rows
    assert PendingTask.objects.filter(sent_at__isnull=True).count() == 25_000  # until a worker sends them


def test_a_chunk_sends_its_rows_own_messages(broker, db):
    with transaction.atomic():
        enqueue_calls(bulletin_tasks.notify_access_opened.name, 3)
    broker.up()

    assert services.send_rows(list(PendingTask.objects.values_list("pk", flat=True))) == 3
    assert queued_messages("notifications") == 3


def test_a_worker_that_starts_sends_what_waited(application):
    worker_ready.send(sender=None)  # tasks run eagerly: the relay it asks for runs here

    assert PendingTask.objects.get().sent_at is not None
    assert application.display_number in sms_sent(timeout=0)[0]


def test_sent_rows_are_purged_after_a_day(settlement_a):
    now = clock.now()
    old, recent, waiting = (submit(settlement_a) for _ in range(3))
    PendingTask.objects.filter(args=[old.pk]).update(sent_at=now - datetime.timedelta(hours=25))
    PendingTask.objects.filter(args=[recent.pk]).update(sent_at=now - datetime.timedelta(hours=23))

    assert services.purge_sent(now=now) == 1
    assert sorted(PendingTask.objects.values_list("args", flat=True)) == sorted([[recent.pk], [waiting.pk]])
