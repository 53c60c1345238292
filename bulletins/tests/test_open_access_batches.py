"""Opening access set-based, in batches of queues: the same applicants as the rule read queue by queue.

The expected applicants are computed here from ``queues.selectors.queue_page``
(the reference order) filtered by the eligibility rule, queue by queue; the
service picks them in SQL for a whole batch at once.
"""

import datetime
import math
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.choices import Status
from applications.models import Application
from applications.tests.factories import child_details, submit
from audit.models import AuditEvent
from bulletins import services, tasks
from bulletins.choices import AccessStatus
from bulletins.models import Access
from bulletins.tests.factories import MONDAY_14_DECEMBER, at, group_in, published_bulletin, queue_of
from directory.tests.factories import KindergartenFactory, SettlementFactory
from dispatch.models import PendingTask
from queues.choices import BenefitClass
from queues.models import Queue, QueueEntry, new_version
from queues.selectors import queue_page

pytestmark = pytest.mark.usefixtures("english")

NOW = MONDAY_14_DECEMBER
QUEUES = 40
BATCH = 7  # 40 queues: six batches, the last one short


@pytest.fixture
def country(district_a, specialist_a):
    """40 queues (7 settlements x 6 birth years) of 0-8 applicants with random classes and statuses.

    Before the bulletin under test: an old bulletin (window over, its accesses
    not yet ended by the job) and a recent one (window still open) gave access in
    some queues; some applicants hold a referral, some are on the stop-list.
    Returns the groups, one per queue, and the places the bulletin gives each.
    """
    rng = random.Random(20261214)
    groups = []
    for _settlement in range(7):
        kindergarten = KindergartenFactory(settlement=SettlementFactory(district=district_a))
        for birth_year in range(2020, 2026):
            groups.append(group_in(kindergarten, birth_year=birth_year))
    groups = groups[:QUEUES]
    for group in groups:
        birth_date = datetime.date(group.birth_year, 3, 1)
        for index in range(rng.randint(0, 8)):
            # Some submitted in the same minute: registration order breaks the tie.
            submitted = at(2, 9, month=11) + datetime.timedelta(minutes=rng.randint(0, 3), hours=index)
            submit(group.kindergarten.settlement, child=child_details(birth_date=birth_date), now=submitted)
    queues = [queue_of(group) for group in groups if Queue.objects.filter(**_key(group)).exists()]
    for entry in QueueEntry.objects.filter(queue__in=queues):
        benefit_class = rng.choices(list(BenefitClass), weights=(1, 2, 5))[0]
        QueueEntry.objects.filter(pk=entry.pk).update(benefit_class=benefit_class)
    # Classes changed behind the services' back: no copy of the order may be trusted.
    for queue in queues:
        Queue.objects.filter(pk=queue.pk).update(version=new_version())

    old = published_bulletin(specialist_a, {g: rng.randint(1, 2) for g in rng.sample(groups, 15)}, now=at(1))
    services.open_access(bulletin_id=old.pk, now=at(1))
    recent = published_bulletin(
        specialist_a, {g: rng.randint(1, 2) for g in rng.sample(groups, 15)}, now=at(11)
    )
    services.open_access(bulletin_id=recent.pk, now=at(11))
    waiting = list(
        Application.objects.filter(status=Status.IN_QUEUE).order_by("pk").values_list("pk", flat=True)
    )
    for application_id in rng.sample(waiting, len(waiting) // 5):
        status = rng.choice([Status.REFERRAL_ISSUED, Status.STOP_LIST])
        Application.objects.filter(pk=application_id).update(status=status)
    return groups, {group: rng.randint(1, 4) for group in groups}


def _key(group) -> dict:
    return {"settlement": group.kindergarten.settlement, "birth_year": group.birth_year, "kind": group.kind}


def expected_accesses(groups, places, bulletin) -> set[tuple[int, int, int]]:
    """(queue, application, position) the rule gives, read queue by queue from the reference order."""
    expected = set()
    for group in groups:
        queue = Queue.objects.filter(**_key(group)).first()
        if queue is None:
            continue
        rows = queue_page(queue, offset=0, limit=100)
        statuses = dict(
            Application.objects.filter(pk__in=[row.entry.application_id for row in rows]).values_list(
                "pk", "status"
            )
        )
        holding = set(
            Access.objects.filter(queue=queue, status=AccessStatus.OPEN, ends_at__gt=NOW).values_list(
                "application_id", flat=True
            )
        ) | set(
            Access.objects.filter(queue=queue, bulletin=bulletin).values_list("application_id", flat=True)
        )
        eligible = [
            row
            for row in rows
            if statuses[row.entry.application_id] in services.MAY_GET_ACCESS
            and row.entry.application_id not in holding
        ]
        expected |= {(queue.pk, row.entry.application_id, row.position) for row in eligible[: places[group]]}
    return expected


def opened(bulletin) -> set[tuple[int, int, int]]:
    return set(Access.objects.filter(bulletin=bulletin).values_list("queue_id", "application_id", "position"))


def crash_after_the_first_batch(monkeypatch):
    """The worker dies in the second batch, after that batch's accesses were written but before it commits."""
    original = services.enqueue_select
    calls = []

    def enqueue_select(task, **kwargs):
        calls.append(task)
        if len(calls) == 2:
            raise ConnectionError("worker lost in the second batch")
        return original(task, **kwargs)

    monkeypatch.setattr(services, "enqueue_select", enqueue_select)


@pytest.mark.parametrize("run", ["clean", "crash after the first batch, then rerun", "run twice"])
def test_the_bulletin_opens_access_to_exactly_the_applicants_the_rule_picks(
    country, specialist_a, monkeypatch, run
):
    groups, places = country
    monkeypatch.setattr(services, "OPEN_ACCESS_BATCH", BATCH)
    bulletin = published_bulletin(specialist_a, places, now=NOW)
    expected = expected_accesses(groups, places, bulletin)
    stale = set(
        Access.objects.filter(status=AccessStatus.OPEN, ends_at__lte=NOW).values_list("pk", flat=True)
    )
    assert len(expected) > QUEUES  # the set-up holds something to pick...
    assert stale  # ...and stale accesses to end

    if run == "crash after the first batch, then rerun":
        with monkeypatch.context() as patched:
            crash_after_the_first_batch(patched)
            with pytest.raises(ConnectionError):
                services.open_access(bulletin_id=bulletin.pk, now=NOW)
        first_batch = {queue for queue, _application, _position in opened(bulletin)}
        assert 0 < len(first_batch) <= BATCH
    with CaptureQueriesContext(connection) as queries:
        count = services.open_access(bulletin_id=bulletin.pk, now=NOW)
    if run == "run twice":
        assert services.open_access(bulletin_id=bulletin.pk, now=NOW + datetime.timedelta(hours=1)) == 0

    assert opened(bulletin) == expected
    if run != "crash after the first batch, then rerun":
        assert count == len(expected)
    # A fixed number of statements per batch of queues, not per queue or per access; before the batches,
    # the bulletin, its places and the probe for an expiry due since midnight. Of the 17, the public log of
    # openings takes five: the queues it already holds, the picks' numbers, the chain's lock, head and insert.
    assert len(queries) <= 3 + 17 * math.ceil(len(places) / BATCH)
    accesses = Access.objects.filter(bulletin=bulletin)
    assert set(accesses.values_list("status", "opened_at", "ends_at")) == {
        (AccessStatus.OPEN, NOW, bulletin.priority_until)
    }
    assert set(accesses.values_list("application__status", flat=True)) == {Status.ACCESS_OPEN}
    for access in Access.objects.filter(pk__in=stale, application__accesses__bulletin=bulletin).distinct():
        assert (access.status, access.closed_at) == (AccessStatus.ENDED, NOW)
    events = AuditEvent.objects.filter(action="access.opened", details__bulletin=bulletin.pk)
    assert sorted(events.values_list("details__access", flat=True)) == sorted(
        accesses.values_list("pk", flat=True)
    )
    access_ids = set(accesses.values_list("pk", flat=True))
    messages = PendingTask.objects.filter(task=tasks.notify_access_opened.name).values_list("args", flat=True)
    notices = [access_id for args in messages for access_id in args]
    assert sorted(access_id for access_id in notices if access_id in access_ids) == sorted(access_ids)  # once
    assert all(len(args) <= services.NOTICES_PER_MESSAGE for args in messages)


def test_one_batch_of_forty_queues_takes_a_fixed_handful_of_statements(country, specialist_a, monkeypatch):
    _groups, places = country
    monkeypatch.setattr(services, "OPEN_ACCESS_BATCH", 500)
    bulletin = published_bulletin(specialist_a, places, now=NOW)

    with CaptureQueriesContext(connection) as queries:
        count = services.open_access(bulletin_id=bulletin.pk, now=NOW)

    assert count > QUEUES
    # The bulletin, its places, the probe for a due expiry, then the batch with the log of openings' five.
    assert len(queries) <= 20
