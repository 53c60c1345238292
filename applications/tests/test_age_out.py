"""Ageing out (RULES.md section 4): on 1 September the children too old for the queue leave it, told why."""

import datetime
import zoneinfo

import pytest
import time_machine

from applications import services, tasks
from applications.choices import BenefitCategory, Status
from applications.tests.factories import child_details, document, submit
from audit.models import AuditEvent
from core import outbox
from queues.choices import LeaveReason
from queues.models import QueueEntry

pytestmark = pytest.mark.usefixtures("english")

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
APPLIED = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=ALMATY)
LAST_DAY_OF_SCHOOL_YEAR = datetime.datetime(2026, 8, 31, 23, 59, tzinfo=ALMATY)
FIRST_OF_SEPTEMBER = datetime.datetime(2026, 9, 1, 0, 20, tzinfo=ALMATY)


def age_out_at(moment) -> int:
    with time_machine.travel(moment, tick=False):
        return tasks.age_out_children.apply().get()


@pytest.fixture
def born_may_2019(settlement_a):
    """Six on 1 September 2025, seven on 1 September 2026."""
    return submit(settlement_a, child=child_details(birth_date=datetime.date(2019, 5, 1)), now=APPLIED)


@pytest.fixture
def born_october_2019(settlement_a):
    """Born after 1 September: still six on 1 September 2026."""
    return submit(settlement_a, child=child_details(birth_date=datetime.date(2019, 10, 1)), now=APPLIED)


def test_children_leave_the_queue_when_the_school_year_turns(
    born_may_2019, born_october_2019, django_capture_on_commit_callbacks
):
    assert age_out_at(LAST_DAY_OF_SCHOOL_YEAR) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert age_out_at(FIRST_OF_SEPTEMBER) == 1
    assert age_out_at(FIRST_OF_SEPTEMBER + datetime.timedelta(hours=1)) == 0

    born_may_2019.refresh_from_db()
    born_october_2019.refresh_from_db()
    assert born_may_2019.status == Status.AGED_OUT
    assert "will be 7 full years old" in born_may_2019.status_reason
    assert born_october_2019.status == Status.IN_QUEUE
    entry = QueueEntry.objects.get(application=born_may_2019)
    assert (entry.left_at, entry.left_reason) == (FIRST_OF_SEPTEMBER, LeaveReason.AGED_OUT)
    event = AuditEvent.objects.get(action="application.aged_out", target_id=str(born_may_2019.pk))
    assert event.actor is None
    assert "7 full years" in event.details["reason"]
    text = outbox.messages_to(born_may_2019.applicant.phone, channel="sms")[-1]
    assert born_may_2019.display_number in text
    assert "баланың жасы толық 7 жас болады" in text  # the reason, in the parent's language (Kazakh)
    assert "full years" not in text


def test_a_pmpk_conclusion_exempts_from_ageing_out(settlement_a):
    application = submit(
        settlement_a,
        child=child_details(birth_date=datetime.date(2019, 5, 1)),
        wants_special=True,
        documents=[document(BenefitCategory.SPECIAL_NEEDS, datetime.date(2026, 5, 20))],
        now=APPLIED,
    )
    assert services.age_out_children(now=FIRST_OF_SEPTEMBER) == 0
    application.refresh_from_db()
    assert application.status == Status.IN_QUEUE
    assert QueueEntry.objects.standing().filter(application=application).count() == 2


def test_nothing_is_deleted_and_a_withdrawn_application_is_left_alone(
    born_may_2019, settlement_a, specialist_a
):
    withdrawn = submit(settlement_a, child=child_details(birth_date=datetime.date(2019, 6, 1)), now=APPLIED)
    services.withdraw_application(application=withdrawn, actor=specialist_a, now=APPLIED)
    assert services.age_out_children(now=FIRST_OF_SEPTEMBER) == 1
    withdrawn.refresh_from_db()
    assert withdrawn.status == Status.WITHDRAWN
    assert QueueEntry.objects.filter(application=born_may_2019).exists()
