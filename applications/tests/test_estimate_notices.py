"""Notices of a changed wait estimate (issue 12 item 4): opt-in, told when the band moves, at most weekly."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.choices import NoticeChannel
from applications import moves, services, tasks
from applications.models import EstimateNotice
from applications.tests.factories import child_details, submit
from audit.models import AuditEvent
from audit.vocabulary import AuditAction
from core import outbox
from core.clock import now as clock_now
from queues.models import QueueEntry
from queues.tests.factories import record_places_given

NOW = datetime.datetime(2026, 3, 12, 9, 0, tzinfo=ZoneInfo("Asia/Almaty"))
DAY = datetime.timedelta(days=1)

pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock", "shared_cache")]


@pytest.fixture
def application(parent, settlement_a):
    """31st in its general queue, which gave three places a month: access in about ten months."""
    for _ in range(30):
        submit(settlement_a, child=child_details())
    applicant = services.ApplicantDetails(
        iin=parent.iin, surname=parent.surname, name=parent.name, phone=parent.phone
    )
    application = submit(settlement_a, child=child_details(), applicant=applicant, actor=parent.user)
    record_places_given(general_queue(application), per_month=3, now=clock_now())
    return application


def general_queue(application):
    return QueueEntry.objects.get(application=application, queue__kind="general").queue_id


def asks(parent, estimate_band=True):
    services.choose_move_notices(
        applicant=parent,
        threshold=None,
        channel=NoticeChannel.SMS,
        estimate_band=estimate_band,
        actor=parent.user,
    )


def faster(application, per_month=37):
    """More places a month recorded in the queue: with 37 more, access comes within the month."""
    record_places_given(general_queue(application), per_month=per_month, now=clock_now())


def morning_run(clock, django_capture_on_commit_callbacks, days=1):
    clock.shift(days * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.notice_estimate_bands()


def speaks(parent, language):
    parent.language = language
    parent.save(update_fields=["language"])


def texts_to(parent):
    return outbox.messages_to(parent.phone, channel="sms")


@pytest.mark.parametrize(
    ("language", "line", "forecast"),
    [
        (
            "kk",
            r"Жалпы кезек: орындарға рұқсат енді, шамасы, (\d\d\.20\d\d)(–\d\d\.20\d\d)? аралығында ашылады "
            r"\(бұрынғы бағалау: \d\d\.20\d\d(–\d\d\.20\d\d)?\)\.",
            "уәде емес",
        ),
        (
            "ru",
            r"Общая очередь: доступ к местам теперь, скорее всего, откроется в период "
            r"\d\d\.20\d\d(–\d\d\.20\d\d)? \(прежняя оценка: \d\d\.20\d\d(–\d\d\.20\d\d)?\)\.",
            "не обещание",
        ),
    ],
)
def test_a_band_that_moves_is_told_once_with_the_new_and_the_old_months(
    parent, application, clock, django_capture_on_commit_callbacks, language, line, forecast
):
    speaks(parent, language)
    asks(parent)
    assert morning_run(clock, django_capture_on_commit_callbacks) == 0  # the first look: what stands now
    assert morning_run(clock, django_capture_on_commit_callbacks) == 0  # the same queue, the same band
    faster(application)

    assert morning_run(clock, django_capture_on_commit_callbacks) == 1

    (text,) = texts_to(parent)
    assert application.display_number in text
    assert re.search(line, text), text
    assert forecast in text
    (told,) = EstimateNotice.objects.filter(application=application, told=True)
    (change,) = told.changes
    assert change["kind"] == "general"
    assert change["after"][0] < change["before"][0]


def test_a_second_change_within_the_week_waits_for_the_week(
    parent, application, clock, django_capture_on_commit_callbacks
):
    asks(parent)
    morning_run(clock, django_capture_on_commit_callbacks)
    faster(application, per_month=7)  # ten places a month: about three months
    assert morning_run(clock, django_capture_on_commit_callbacks) == 1
    clock.shift(DAY)
    faster(application, per_month=30)  # forty places a month: within the month
    assert morning_run(clock, django_capture_on_commit_callbacks, days=5) == 0
    assert morning_run(clock, django_capture_on_commit_callbacks, days=2) == 1
    assert len(texts_to(parent)) == 2


def test_a_parent_who_did_not_ask_or_turned_it_off_is_told_nothing(
    parent, application, clock, django_capture_on_commit_callbacks
):
    morning_run(clock, django_capture_on_commit_callbacks)
    faster(application)
    assert morning_run(clock, django_capture_on_commit_callbacks) == 0
    asks(parent)
    asks(parent, estimate_band=False)
    faster(application)
    assert morning_run(clock, django_capture_on_commit_callbacks, days=8) == 0
    assert texts_to(parent) == []
    assert not EstimateNotice.objects.exists()


@pytest.mark.parametrize(
    ("before", "after", "moved"),
    [
        (["2026-06-01", "2026-08-01"], ["2026-06-29", "2026-08-20"], False),  # ends within a month: wobble
        (["2026-06-01", "2026-08-01"], ["2026-06-01", "2026-08-31"], True),  # the end moved by 30 days
        (["2026-06-01", "2026-08-01"], None, True),  # no range can be given any more
        (None, None, False),
    ],
)
def test_the_band_changes_when_an_end_moves_by_a_month_or_a_range_comes_or_goes(before, after, moved):
    assert moves.band_moved(before, after) is moved


def test_the_parent_chooses_it_on_the_notices_page_and_the_choice_is_audited(parent, parent_client):
    address = reverse("applications:move_notices")
    parent_client.cookies["django_language"] = "ru"
    assert "Сообщать, когда меняется оценка" in parent_client.get(address).text

    parent_client.post(address, {"threshold": "", "estimate_band": "on", "channel": NoticeChannel.SMS})

    parent.refresh_from_db()
    assert parent.estimate_notices_since == clock_now()
    assert re.search(r'<input[^>]*name="estimate_band"[^>]*checked', parent_client.get(address).text)
    event = AuditEvent.objects.filter(action=AuditAction.MOVE_NOTICES_CHOSEN).latest("pk")
    assert event.details["estimate_band"] is True
