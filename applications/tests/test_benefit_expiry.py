"""An expired benefit counts as none, at every moment and in every queue (RULES.md 3; issue 15 item 5).

The class of an application lives in each of its queue entries, with the last
day it counts (``benefit_until``). Every use case that changes what the
documents give rewrites every standing entry; every read applies an expiry due
since midnight before answering; the nightly job moves the entries nobody read.
"""

import datetime
import zoneinfo

import pytest
import time_machine

from applications import services
from applications.choices import BenefitCategory
from applications.tests.factories import child_details, document, submit
from audit.models import AuditEvent
from queues import selectors
from queues.choices import BenefitClass
from queues.models import QueueEntry

pytestmark = pytest.mark.usefixtures("english")

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
OOT, FIRST, GENERAL = BenefitClass.OUT_OF_TURN, BenefitClass.FIRST_TURN, BenefitClass.GENERAL


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=ALMATY)


def general_positions(*applications) -> list[int]:
    found = selectors.positions_of_applications(application.pk for application in applications)
    return [
        next(p.standing.position for p in found[application.pk] if p.entry.queue.kind == "general")
        for application in applications
    ]


def page_of(application) -> list[int]:
    queue = QueueEntry.objects.get(application=application, queue__kind="general").queue
    return [row.entry.application_id for row in selectors.queue_page(queue, offset=0, limit=10)]


def entries_of(application) -> list[tuple]:
    return list(
        QueueEntry.objects.filter(application=application)
        .order_by("queue__kind")
        .values_list("queue__kind", "benefit_class", "benefit_until", "left_at")
    )


def confirm(application, category, *, verifier, now, valid_until=None):
    upload = document(category, now.date())
    added = services.add_benefit_document(
        application=application, upload=upload, actor=application.applicant.user, now=now
    )
    return services.confirm_benefit(document=added, actor=verifier, valid_until=valid_until, now=now)


@pytest.fixture
def the_reported_queue(settlement_a, second_specialist_a):
    """The example of issue 15: B left the special queue, then got a teacher's benefit until 18 March."""
    with time_machine.travel(at(2027, 3, 1, 10), tick=False):
        a = submit(settlement_a, now=at(2027, 3, 1, 10))
    with time_machine.travel(at(2027, 3, 2, 10), tick=False):
        b = submit(
            settlement_a,
            child=child_details(birth_date=datetime.date(2022, 5, 20)),
            wants_special=True,
            documents=[document(BenefitCategory.SPECIAL_NEEDS, datetime.date(2027, 3, 1))],
            now=at(2027, 3, 2, 10),
        )
    with time_machine.travel(at(2027, 3, 3, 10), tick=False):
        services.reject_benefit(
            document=b.benefit_documents.get(),
            actor=second_specialist_a,
            reason="Expired",
            now=at(2027, 3, 3, 10),
        )
    with time_machine.travel(at(2027, 3, 4, 10), tick=False):
        _own_cabinet(b)
        confirm(b, BenefitCategory.TEACHER, verifier=second_specialist_a, now=at(2027, 3, 4, 10),
                valid_until=datetime.date(2027, 3, 18))  # fmt: skip
    return a, b


def _own_cabinet(application):
    from accounts.choices import Role
    from accounts.tests.factories import UserFactory

    applicant = application.applicant
    if applicant.user_id is None:
        applicant.user = UserFactory(role=Role.PARENT)
        applicant.save(update_fields=["user"])


def test_the_reported_case_after_the_nightly_job_puts_a_first(the_reported_queue):
    a, b = the_reported_queue
    assert [row[:3] for row in entries_of(b)] == [
        ("general", OOT, datetime.date(2027, 3, 18)),
        ("special", GENERAL, None),
    ]

    with time_machine.travel(at(2027, 3, 19, 0, 5), tick=False):
        assert services.expire_benefits() == 1
        assert general_positions(a, b) == [1, 2]
    assert AuditEvent.objects.filter(action="benefit.expired", target_id=str(b.pk)).exists()


def test_at_23_59_59_the_benefit_still_counts_and_at_midnight_it_no_longer_does(the_reported_queue):
    a, b = the_reported_queue

    with time_machine.travel(at(2027, 3, 18, 23, 59, 59), tick=False):
        assert general_positions(a, b) == [2, 1]
        assert page_of(a) == [b.pk, a.pk]
        assert selectors.class_sizes(QueueEntry.objects.get(application=a).queue_id).out_of_turn == 1

    with time_machine.travel(at(2027, 3, 19, 0, 0, 0), tick=False):  # the job has not run
        assert general_positions(a, b) == [1, 2]
        assert page_of(a) == [a.pk, b.pk]
        assert selectors.class_sizes(QueueEntry.objects.get(application=a).queue_id).out_of_turn == 0
        assert services.expire_benefits() == 0  # the read already moved it, for good


@pytest.mark.parametrize("read", ["position", "page", "class sizes"])
def test_whichever_read_comes_first_after_midnight_applies_the_expiry(the_reported_queue, read):
    a, b = the_reported_queue
    queue_id = QueueEntry.objects.get(application=a).queue_id

    with time_machine.travel(at(2027, 3, 19, 0, 0, 0), tick=False):
        {
            "position": lambda: selectors.positions_of_application(a.pk),
            "page": lambda: page_of(a),
            "class sizes": lambda: selectors.class_sizes(queue_id),
        }[read]()

    assert entries_of(b)[0][:3] == ("general", GENERAL, None)


def test_confirming_sets_the_class_and_its_end_in_every_queue(settlement_a, second_specialist_a):
    now = at(2027, 3, 2, 10)
    with time_machine.travel(now, tick=False):
        application = submit(
            settlement_a,
            wants_special=True,
            documents=[document(BenefitCategory.SPECIAL_NEEDS, now.date())],
            now=now,
        )
        services.confirm_benefit(
            document=application.benefit_documents.get(), actor=second_specialist_a,
            valid_until=datetime.date(2027, 6, 30), now=now,
        )  # fmt: skip

    assert [row[:3] for row in entries_of(application)] == [
        ("general", FIRST, datetime.date(2027, 6, 30)),
        ("special", FIRST, datetime.date(2027, 6, 30)),
    ]


def test_the_class_ends_with_the_last_of_its_documents_and_an_open_one_never_ends(
    settlement_a, second_specialist_a
):
    now = at(2027, 3, 2, 10)
    with time_machine.travel(now, tick=False):
        application = submit(settlement_a, now=now)
        _own_cabinet(application)
        confirm(application, BenefitCategory.ORPHAN, verifier=second_specialist_a, now=now,
                valid_until=datetime.date(2027, 4, 1))  # fmt: skip
        confirm(application, BenefitCategory.LARGE_FAMILY, verifier=second_specialist_a, now=now,
                valid_until=datetime.date(2027, 5, 1))  # fmt: skip
        assert entries_of(application)[0][1:3] == (FIRST, datetime.date(2027, 5, 1))
        confirm(application, BenefitCategory.DISABLED_PARENT, verifier=second_specialist_a, now=now)
        assert entries_of(application)[0][1:3] == (FIRST, None)


def test_when_the_better_class_expires_the_next_one_counts_with_its_own_end(
    settlement_a, second_specialist_a
):
    now = at(2027, 3, 2, 10)
    with time_machine.travel(now, tick=False):
        general = submit(settlement_a, now=at(2027, 3, 1, 10))
        application = submit(settlement_a, child=child_details(birth_date=datetime.date(2022, 7, 1)), now=now)
        _own_cabinet(application)
        confirm(application, BenefitCategory.TEACHER, verifier=second_specialist_a, now=now,
                valid_until=datetime.date(2027, 3, 10))  # fmt: skip
        confirm(application, BenefitCategory.ORPHAN, verifier=second_specialist_a, now=now,
                valid_until=datetime.date(2027, 3, 20))  # fmt: skip
        assert entries_of(application)[0][1:3] == (OOT, datetime.date(2027, 3, 10))

    with time_machine.travel(at(2027, 3, 11, 0, 0), tick=False):
        assert general_positions(application, general) == [2, 1]  # first-turn after one general
        assert entries_of(application)[0][1:3] == (FIRST, datetime.date(2027, 3, 20))
    with time_machine.travel(at(2027, 3, 21, 0, 0), tick=False):
        assert general_positions(general, application) == [1, 2]
        assert entries_of(application)[0][1:3] == (GENERAL, None)


def test_rejecting_a_conclusion_resets_the_class_of_the_entries_that_stay(settlement_a, second_specialist_a):
    now = at(2027, 3, 2, 10)
    with time_machine.travel(now, tick=False):
        application = submit(
            settlement_a,
            wants_special=True,
            documents=[document(BenefitCategory.SPECIAL_NEEDS, now.date())],
            now=now,
        )
        _own_cabinet(application)
        confirm(application, BenefitCategory.ORPHAN, verifier=second_specialist_a, now=now,
                valid_until=datetime.date(2027, 3, 20))  # fmt: skip
        conclusion = application.benefit_documents.get(category=BenefitCategory.SPECIAL_NEEDS)
        services.reject_benefit(document=conclusion, actor=second_specialist_a, reason="Old", now=now)

    general, special = entries_of(application)
    assert general[:3] == ("general", FIRST, datetime.date(2027, 3, 20))
    assert special[0] == "special"
    assert special[3] is not None  # left the special queue


def test_the_migration_gives_existing_entries_the_end_of_their_class(settlement_a, second_specialist_a):
    """Entries made before ``benefit_until`` existed get it from their documents; an expired one is due."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("applications.migrations.0004_queue_entries_benefit_until")
    with time_machine.travel(at(2027, 3, 2, 10), tick=False):
        lasting = submit(settlement_a, now=at(2027, 3, 2, 10))
        expired = submit(
            settlement_a, child=child_details(birth_date=datetime.date(2022, 7, 1)), now=at(2027, 3, 2)
        )
        for application, until in (
            (lasting, datetime.date(2027, 6, 1)),
            (expired, datetime.date(2027, 3, 5)),
        ):
            _own_cabinet(application)
            confirm(application, BenefitCategory.ORPHAN, verifier=second_specialist_a, now=at(2027, 3, 2, 10),
                    valid_until=until)  # fmt: skip
    QueueEntry.objects.update(benefit_until=None)

    with time_machine.travel(at(2027, 3, 10, 10), tick=False):
        migration.fill_benefit_until(apps, None)
        assert entries_of(lasting)[0][1:3] == (FIRST, datetime.date(2027, 6, 1))
        assert entries_of(expired)[0][1:3] == (FIRST, datetime.date(2027, 3, 9))
        assert services.expire_benefits() == 1
    assert entries_of(expired)[0][1:3] == (GENERAL, None)


@pytest.mark.usefixtures("english_pages")
def test_a_public_check_page_cached_before_midnight_is_not_served_after_it(the_reported_queue, client):
    _a, b = the_reported_queue
    check = {"path": "/check/", "data": {"number": b.number}, "REMOTE_ADDR": "203.0.113.9"}

    with time_machine.travel(at(2027, 3, 18, 23, 59, 59), tick=False):
        assert "position 1" in client.get(**check).text
    with time_machine.travel(at(2027, 3, 19, 0, 0, 0), tick=False):  # the job has not run
        assert "position 2" in client.get(**check).text
