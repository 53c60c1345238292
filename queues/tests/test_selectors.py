"""Positions and pages from the database, against the worked examples and the plain reference.

Applications are made through the real use cases (submitting, confirming,
rejecting and expiring benefits, withdrawing), so these tests check the whole
path from a document's verification to the position a parent sees.
"""

import datetime
import zoneinfo
from contextlib import contextmanager

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from applications import services
from applications.choices import BenefitCategory, Channel
from applications.tests.factories import document, submit
from queues import selectors
from queues.choices import BenefitClass
from queues.explanation import explain
from queues.models import Queue, QueueEntry
from queues.tests.reference import reference_order

pytestmark = pytest.mark.usefixtures("english")

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
OOT, FIRST, GENERAL = BenefitClass.OUT_OF_TURN, BenefitClass.FIRST_TURN, BenefitClass.GENERAL


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=ALMATY)


def apply_with_benefit(settlement, when, category, verifier):
    """A portal application submitted at ``when`` whose benefit is confirmed a day later."""
    application = submit(settlement, now=when, documents=[document(category, when.date())])
    services.confirm_benefit(
        document=application.benefit_documents.get(), actor=verifier, now=when + datetime.timedelta(days=1)
    )
    return application


def general_queue(application) -> Queue:
    return QueueEntry.objects.get(application=application, queue__kind="general").queue


def position_of(application) -> int:
    (general,) = [
        p for p in selectors.positions_of_application(application.pk) if p.entry.queue.kind == "general"
    ]
    return general.standing.position


@pytest.fixture
def worked_example(settlement_a, second_specialist_a):
    """The queue of RULES.md section 3: Almaty, born 2022, general."""
    apps = {}
    for number, day in enumerate(range(2, 9), start=1):
        apps[f"G{number}"] = submit(settlement_a, now=at(2023, 1, day, 10))
    apps["P1"] = apply_with_benefit(
        settlement_a, at(2023, 1, 1, 10), BenefitCategory.LARGE_FAMILY, second_specialist_a
    )
    apps["P2"] = apply_with_benefit(
        settlement_a, at(2023, 1, 3, 9), BenefitCategory.ORPHAN, second_specialist_a
    )
    apps["E1"] = apply_with_benefit(
        settlement_a, at(2024, 3, 1, 10), BenefitCategory.TEACHER, second_specialist_a
    )
    return apps


def test_worked_example_positions(worked_example):
    positions = {name: position_of(application) for name, application in worked_example.items()}
    assert positions == {
        "E1": 1,
        "G1": 2,
        "G2": 3,
        "G3": 4,
        "P1": 5,
        "G4": 6,
        "G5": 7,
        "G6": 8,
        "P2": 9,
        "G7": 10,
    }


def test_worked_example_page_lists_the_same_order(worked_example):
    queue = general_queue(worked_example["E1"])
    numbers = {application.pk: name for name, application in worked_example.items()}
    page = selectors.queue_page(queue, offset=0, limit=50)
    assert [(row.position, numbers[row.entry.application_id]) for row in page] == [
        (1, "E1"), (2, "G1"), (3, "G2"), (4, "G3"), (5, "P1"),
        (6, "G4"), (7, "G5"), (8, "G6"), (9, "P2"), (10, "G7"),
    ]  # fmt: skip
    assert [row.position for row in selectors.queue_page(queue, offset=3, limit=4)] == [4, 5, 6, 7]


def test_explanation_counts_who_stands_ahead_of_an_earlier_first_turn(worked_example):
    """P1 was submitted before every general application and still stands fifth: the text says why."""
    (position,) = [p for p in selectors.positions_of_application(worked_example["P1"].pk)]
    text = " ".join(explain(position.standing))
    assert "Position 5 of 10" in text
    assert "1 out-of-turn application stands ahead of you" in text
    assert "3 general applications stand ahead of you under the one-to-three rule" in text


def test_only_g1_g2_and_three_first_turn(settlement_a, second_specialist_a):
    apps = {
        "G1": submit(settlement_a, now=at(2023, 1, 2, 10)),
        "G2": submit(settlement_a, now=at(2023, 1, 3, 10)),
    }
    for number in (1, 2, 3):
        apps[f"P{number}"] = apply_with_benefit(
            settlement_a, at(2022, 12, number, 10), BenefitCategory.LARGE_FAMILY, second_specialist_a
        )
    assert [position_of(apps[name]) for name in ("G1", "G2", "P1", "P2", "P3")] == [1, 2, 3, 4, 5]


def test_equal_submission_times_keep_registration_order(settlement_a, specialist_a):
    """Two paper applications received at the same second stand in the order they were registered."""
    paper = {
        "actor": specialist_a,
        "channel": Channel.EDUCATION_DEPARTMENT,
        "received_at": at(2026, 11, 20, 9, 30),
        "now": at(2026, 11, 21, 12),
    }
    first = submit(settlement_a, **paper)
    second = submit(settlement_a, **paper)
    assert first.submitted_at == second.submitted_at
    assert (position_of(first), position_of(second)) == (1, 2)


def test_submission_time_is_kept_to_the_second(settlement_a):
    application = submit(settlement_a, now=at(2026, 11, 20, 9, 30, 15, 999999))
    assert application.submitted_at == at(2026, 11, 20, 9, 30, 15)


def test_pending_and_rejected_benefits_count_as_general(settlement_a, second_specialist_a):
    general = submit(settlement_a, now=at(2026, 1, 5, 10))
    pending = submit(
        settlement_a, now=at(2026, 1, 1, 10), documents=[document("teacher", datetime.date(2026, 1, 1))]
    )
    rejected = submit(
        settlement_a, now=at(2026, 1, 2, 10), documents=[document("orphan", datetime.date(2026, 1, 2))]
    )
    services.reject_benefit(
        document=rejected.benefit_documents.get(), actor=second_specialist_a, reason="Unreadable scan",
        now=at(2026, 1, 3, 10),
    )  # fmt: skip
    assert [position_of(a) for a in (pending, rejected, general)] == [1, 2, 3]


def teacher_until_31_march(settlement, specialist):
    """A teacher's child applied on 2 January, its first-turn benefit confirmed until 31 March."""
    documents = [document("teacher", datetime.date(2026, 1, 2))]
    teacher = submit(settlement, now=at(2026, 1, 2, 10), documents=documents)
    services.confirm_benefit(
        document=teacher.benefit_documents.get(), actor=specialist,
        valid_until=datetime.date(2026, 3, 31), now=at(2026, 1, 3, 10),
    )  # fmt: skip
    return teacher


def test_an_expired_benefit_counts_through_its_last_day_and_not_after(settlement_a, second_specialist_a):
    general = submit(settlement_a, now=at(2026, 1, 1, 10))
    teacher = teacher_until_31_march(settlement_a, second_specialist_a)

    with time_machine.travel(at(2026, 3, 31, 23, 59), tick=False):
        assert services.expire_benefits() == 0
        assert (position_of(teacher), position_of(general)) == (1, 2)

    with time_machine.travel(at(2026, 4, 1, 0, 5), tick=False):
        assert services.expire_benefits() == 1
        assert (position_of(general), position_of(teacher)) == (1, 2)
        assert teacher.submitted_at == at(2026, 1, 2, 10)
    assert services.expire_benefits(now=at(2026, 4, 2, 0, 5)) == 0


# --- property-based: random queues in the database against the reference --------------------


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Each hypothesis example starts from the same empty queue: its writes are undone afterwards."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


BASE = at(2026, 3, 2, 10)
CHECK = BASE + datetime.timedelta(days=20)

benefit = st.one_of(
    st.none(),
    st.tuples(
        st.sampled_from([c.value for c in BenefitCategory]),
        st.sampled_from(["pending", "rejected", "confirmed_forever", "confirmed_expired", "confirmed_valid"]),
    ),
)
application_spec = st.fixed_dictionaries(
    {
        "paper": st.booleans(),
        "minute": st.integers(0, 4),  # few distinct minutes, so equal submission times are common
        "benefits": st.lists(benefit, max_size=2),
        "withdrawn": st.integers(0, 9).map(lambda n: n == 0),
    }
)


def expected_class(benefits) -> BenefitClass:
    counting = [
        BenefitCategory(category).benefit_class
        for category, decision in filter(None, benefits)
        if decision in ("confirmed_forever", "confirmed_valid")
    ]
    return min(counting, default=GENERAL)


def build(spec, settlement, specialist, verifier):
    """One application as the spec says, through the use cases; returns the application."""
    registered = BASE + datetime.timedelta(days=10, minutes=spec["minute"])
    uploads = [document(category, registered.date()) for category, _ in filter(None, spec["benefits"])]
    if spec["paper"]:
        received_at = BASE + datetime.timedelta(days=5, minutes=spec["minute"])
        application = submit(
            settlement,
            actor=specialist,
            channel=Channel.EDUCATION_DEPARTMENT,
            documents=uploads,
            received_at=received_at,
            now=registered,
        )
    else:
        application = submit(settlement, documents=uploads, now=registered)
    decided = registered + datetime.timedelta(days=1)
    documents = list(application.benefit_documents.order_by("pk"))
    for doc, (_, decision) in zip(documents, filter(None, spec["benefits"]), strict=True):
        if decision == "rejected":
            services.reject_benefit(document=doc, actor=verifier, reason="Not legible", now=decided)
        elif decision.startswith("confirmed"):
            valid_until = {
                "confirmed_forever": None,
                "confirmed_expired": timezone.localdate(decided) + datetime.timedelta(days=2),
                "confirmed_valid": timezone.localdate(CHECK),
            }[decision]
            services.confirm_benefit(document=doc, actor=verifier, valid_until=valid_until, now=decided)
    if spec["withdrawn"]:
        services.withdraw_application(application=application, actor=specialist, now=decided)
    return application


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    specs=st.lists(application_spec, min_size=1, max_size=14),
    page_limit=st.integers(1, 6),
    nightly_job_ran=st.booleans(),
)
def test_positions_and_pages_match_the_reference(
    specs, page_limit, nightly_job_ran, settlement_a, specialist_a, second_specialist_a
):
    """Read at CHECK, whether or not the nightly job has moved the expired benefits: reads are exact."""
    with rolled_back(), time_machine.travel(CHECK, tick=False):
        applications = [build(spec, settlement_a, specialist_a, second_specialist_a) for spec in specs]
        if nightly_job_ran:
            services.expire_benefits(now=CHECK)

        standing = [(a, spec) for a, spec in zip(applications, specs, strict=True) if not spec["withdrawn"]]
        expected = reference_order(
            [(a.pk, expected_class(spec["benefits"]), a.submitted_at, a.pk) for a, spec in standing]
        )
        for position, application_id in enumerate(expected, start=1):
            (found,) = [
                p
                for p in selectors.positions_of_application(application_id)
                if p.entry.queue.kind == "general"
            ]
            assert found.standing.position == position

        if expected:
            queue = general_queue(standing[0][0])
            for offset in range(0, len(expected) + 1, page_limit):
                page = selectors.queue_page(queue, offset=offset, limit=page_limit)
                assert [row.entry.application_id for row in page] == expected[offset : offset + page_limit]
                assert [row.position for row in page] == list(range(offset + 1, offset + 1 + len(page)))


def test_an_entry_that_leaves_while_its_position_is_counted_gets_where_it_stood_not_an_error(
    settlement_a, specialist_a
):
    _first, second, third = (submit(settlement_a, now=at(2026, 3, day, 10)) for day in (2, 3, 4))
    loaded = QueueEntry.objects.select_related("queue").get(application=second)

    services.withdraw_application(application=second, actor=specialist_a, reason="moved away")

    standing = selectors.reference_standing(loaded)
    assert (standing.position, standing.rank_in_class, standing.sizes.general) == (2, 2, 2)
    assert position_of(third) == 2


def test_postgresql_reads_an_applications_entries_through_its_function_as_sqlite_reads_them(
    settlement_a, second_specialist_a, specialist_a, monkeypatch
):
    """Every look-up's first read runs on PostgreSQL as the function of migration 0007 (planned once a
    session) and on the embedded SQLite as a plain statement: the same entries, queues, settlements
    and expiry probe either way, for a child in two queues, an expiring benefit and one that left."""
    general = submit(settlement_a, now=at(2026, 1, 1, 10))
    teacher = teacher_until_31_march(settlement_a, second_specialist_a)
    special = submit(
        settlement_a,
        wants_special=True,
        documents=[document(BenefitCategory.SPECIAL_NEEDS, datetime.date(2026, 1, 1))],
        now=at(2026, 1, 4, 10),
    )
    withdrawn = submit(settlement_a, now=at(2026, 1, 5, 10))
    services.withdraw_application(application=withdrawn, actor=specialist_a, now=at(2026, 1, 6, 10))
    ids = [special.pk, withdrawn.pk, teacher.pk, general.pk]

    def read(today):
        entries = selectors._standing_entries(ids, today=today)
        return [
            (
                [getattr(entry, field.attname) for field in QueueEntry._meta.concrete_fields],
                entry.queue.version,
                entry.queue.kind,
                entry.queue.settlement.name_kk,
                entry.expiry_due,
            )
            for entry in entries
        ]

    for today, due in ((datetime.date(2026, 3, 31), False), (datetime.date(2026, 4, 1), True)):
        with CaptureQueriesContext(connection) as queries:
            by_function = read(today)
        with monkeypatch.context() as plain:
            plain.setattr(connection, "vendor", "sqlite")  # the embedded statement: PostgreSQL reads it too
            by_statement = read(today)

        assert "queue_entries_of" in queries.captured_queries[0]["sql"]
        assert by_function == by_statement
        assert [(entry[0][2], entry[2]) for entry in by_function] == [
            (general.pk, "general"),
            (teacher.pk, "general"),
            (special.pk, "general"),
            (special.pk, "special"),
        ]
        assert {entry[-1] for entry in by_function[:3]} == {due}
