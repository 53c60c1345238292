"""Notices of moves (issue 12 item 4): a parent who asked is told, at most weekly, how far it moved."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.choices import NoticeChannel
from applications import services, tasks
from applications.errors import InvalidInput
from applications.models import MoveNotice
from applications.tests.factories import child_details, submit
from audit.models import AuditEvent
from audit.vocabulary import AuditAction
from core import outbox
from core.clock import now as clock_now
from queues import services as queue_services
from queues.choices import LeaveReason

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Almaty"))
DAY = datetime.timedelta(days=1)

pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]


@pytest.fixture
def ahead(settlement_a):
    """Twenty applications before the parent's, in the same queue."""
    return [submit(settlement_a, child=child_details()) for _ in range(20)]


@pytest.fixture
def application(parent, settlement_a, ahead, clock):
    clock.shift(60)
    applicant = services.ApplicantDetails(
        iin=parent.iin, surname=parent.surname, name=parent.name, phone=parent.phone
    )
    return submit(settlement_a, child=child_details(), applicant=applicant, actor=parent.user)


def asks(parent, threshold, channel=NoticeChannel.SMS):
    services.choose_move_notices(applicant=parent, threshold=threshold, channel=channel, actor=parent.user)


def enrol(applications):
    for other in applications:
        queue_services.leave_queues(application_id=other.pk, reason=LeaveReason.ENROLLED, now=clock_now())


def morning_run(clock, django_capture_on_commit_callbacks, days=1):
    """The beat's daily task, ``days`` later, with the outbox's sending run as the commit does it."""
    clock.shift(days * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.notice_position_moves()


def checked(page: str) -> str:
    """The value of the threshold's radio button that is checked."""
    (value,) = re.findall(r'<input type="radio" name="threshold" value="(\d*)"[^>]*checked', page)
    return value


def speaks(parent, language):
    parent.language = language
    parent.save(update_fields=["language"])


def texts_to(parent):
    return outbox.messages_to(parent.phone, channel="sms")


@pytest.mark.parametrize(
    ("language", "positions", "free"),
    [
        ("kk", "Жалпы кезек: бұрын 21-орын, қазір 14-орын.", "ешкімге ақы төлемеңіз"),
        ("ru", "Общая очередь: было место 21, стало 14.", "никому не платите"),
    ],
)
def test_a_move_beyond_the_threshold_sends_one_notice_with_the_old_and_new_positions(
    parent, application, ahead, clock, django_capture_on_commit_callbacks, language, positions, free
):
    speaks(parent, language)
    asks(parent, 5)
    clock.shift(DAY)
    enrol(ahead[:7])
    assert morning_run(clock, django_capture_on_commit_callbacks) == 1
    (text,) = texts_to(parent)
    assert application.display_number in text
    assert positions in text
    assert "02.03.2026" in text  # moves counted since the parent asked
    assert free in text
    (notice,) = MoveNotice.objects.filter(application=application)
    assert notice.moves == [{"kind": "general", "before": 21, "after": 14}]


def test_a_second_move_within_the_week_sends_none_and_after_the_week_one_from_the_last_notice(
    parent, application, ahead, clock, django_capture_on_commit_callbacks
):
    speaks(parent, "ru")
    asks(parent, 5)
    clock.shift(DAY)
    enrol(ahead[:6])
    morning_run(clock, django_capture_on_commit_callbacks)
    clock.shift(DAY)
    enrol(ahead[6:12])
    assert morning_run(clock, django_capture_on_commit_callbacks) == 0
    assert morning_run(clock, django_capture_on_commit_callbacks, days=3) == 0
    assert len(texts_to(parent)) == 1
    assert morning_run(clock, django_capture_on_commit_callbacks, days=2) == 1
    first, second = texts_to(parent)
    assert "было место 21, стало 15" in first
    assert "было место 15, стало 9" in second


def test_a_move_below_the_threshold_sends_none(
    parent, application, ahead, clock, django_capture_on_commit_callbacks
):
    asks(parent, 10)
    clock.shift(DAY)
    enrol(ahead[:9])
    assert morning_run(clock, django_capture_on_commit_callbacks) == 0
    assert texts_to(parent) == []
    assert not MoveNotice.objects.exists()


def test_a_parent_who_did_not_ask_or_turned_notices_off_is_told_nothing(
    parent, application, ahead, clock, django_capture_on_commit_callbacks
):
    clock.shift(DAY)
    enrol(ahead[:10])
    assert morning_run(clock, django_capture_on_commit_callbacks) == 0
    asks(parent, 5)
    asks(parent, None)
    clock.shift(DAY)
    enrol(ahead[10:20])
    assert morning_run(clock, django_capture_on_commit_callbacks) == 0
    assert texts_to(parent) == []


def test_moves_made_before_the_parent_asked_are_not_announced(
    parent, application, ahead, clock, django_capture_on_commit_callbacks
):
    enrol(ahead[:10])
    clock.shift(DAY)
    asks(parent, 5)
    assert morning_run(clock, django_capture_on_commit_callbacks) == 0


def test_moving_further_back_is_announced_too(
    parent, application, settlement_a, specialist_a, clock, django_capture_on_commit_callbacks
):
    speaks(parent, "ru")
    asks(parent, 5)
    clock.shift(DAY)
    for _ in range(6):  # paper applications received before the parent's: they stand ahead
        submit(settlement_a, child=child_details(), received_at=NOW - DAY, channel="education_department",
               actor=specialist_a)  # fmt: skip
    assert morning_run(clock, django_capture_on_commit_callbacks) == 1
    (text,) = texts_to(parent)
    assert "было место 21, стало 27" in text


def test_a_parent_who_chose_e_mail_gets_it_by_e_mail_in_their_language(
    parent, application, ahead, clock, django_capture_on_commit_callbacks, mailoutbox
):
    parent.email, parent.language = "dana@example.kz", "ru"
    parent.save(update_fields=["email", "language"])
    asks(parent, 5, channel=NoticeChannel.EMAIL)
    clock.shift(DAY)
    enrol(ahead[:5])
    morning_run(clock, django_capture_on_commit_callbacks)
    (mail,) = mailoutbox
    assert mail.to == ["dana@example.kz"]
    assert "было место 21, стало 16" in mail.body
    assert texts_to(parent) == []


def test_e_mail_cannot_be_chosen_without_an_address_and_the_choice_is_audited(parent, english):
    with pytest.raises(InvalidInput, match="no e-mail address"):
        asks(parent, 5, channel=NoticeChannel.EMAIL)
    with pytest.raises(InvalidInput):
        asks(parent, 7)
    asks(parent, 10)
    parent.refresh_from_db()
    assert (parent.move_notice_threshold, parent.move_notices_since) == (10, clock_now())
    event = AuditEvent.objects.get(action=AuditAction.MOVE_NOTICES_CHOSEN)
    assert event.details == {"threshold": 10, "channel": "sms", "estimate_band": False}


@pytest.mark.parametrize(
    ("language", "heading", "option", "error"),
    [
        ("ru", "<h1>Уведомления</h1>", "на 10 мест и больше", "Выберите SMS."),
        ("kk", "<h1>Хабарламалар</h1>", "10 орын немесе одан көп", "SMS таңдаңыз."),
    ],
)
def test_the_notices_page_is_off_by_default_saves_a_choice_and_refuses_e_mail_without_an_address(
    parent_client, parent, language, heading, option, error
):
    parent_client.cookies["django_language"] = language
    url = reverse("applications:move_notices")
    page = parent_client.get(url).content.decode()
    assert heading in page
    assert error not in page
    assert option in page
    assert checked(page) == ""  # "do not tell me", until the parent chooses
    refused = parent_client.post(url, {"threshold": "10", "channel": "email"})
    assert error in refused.content.decode()
    saved = parent_client.post(url, {"threshold": "10", "channel": "sms"})
    assert saved.status_code == 302
    parent.refresh_from_db()
    assert parent.move_notice_threshold == 10
    again = parent_client.get(url).content.decode()
    assert checked(again) == "10"
