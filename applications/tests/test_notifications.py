"""Parents are told, by SMS and e-mail in their language, when something happens to their application."""

import datetime
import zoneinfo

import pytest
from django.core.mail import send_mail

from applications import services
from applications.errors import OutOfScope
from applications.tests.factories import applicant_details, document, submit
from core import outbox

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
NOW = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=ALMATY)
PHONE = "+77010001122"


def sms_to(phone: str) -> list[str]:
    return outbox.messages_to(phone, channel="sms")


def test_registration_is_announced_with_the_number_and_the_position(
    settlement_a, django_capture_on_commit_callbacks
):
    submit(settlement_a, now=NOW - datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(settlement_a, applicant=applicant_details(phone=PHONE), now=NOW)
    (text,) = sms_to(PHONE)
    assert application.display_number in text
    assert ": 2." in text  # second in its queue, behind yesterday's application
    assert "25.11.2026 12:00" in text


def test_an_e_mail_goes_too_when_the_parent_gave_one(
    settlement_a, django_capture_on_commit_callbacks, mailoutbox
):
    applicant = applicant_details(phone=PHONE, email="dana@example.kz")
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(settlement_a, applicant=applicant, now=NOW)
    (mail,) = mailoutbox
    assert mail.to == ["dana@example.kz"]
    assert application.display_number in mail.subject
    assert application.display_number in mail.body


def test_the_outbox_e_mail_backend_keeps_a_copy(settings):
    settings.EMAIL_BACKEND = "core.outbox.OutboxEmailBackend"
    send_mail("Subject", "Body", "noreply@kezek.example", ["dana@example.kz"])
    assert outbox.messages_to("dana@example.kz", channel="email") == ["Subject: Subject\n\nBody"]


def test_nothing_is_sent_when_the_submission_fails(settlement_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(OutOfScope):
        submit(
            settlement_a, applicant=applicant_details(phone=PHONE), received_at=NOW, now=NOW, channel="api"
        )
    assert sms_to(PHONE) == []


def test_a_confirmed_benefit_is_announced_with_the_new_position(
    settlement_a, second_specialist_a, django_capture_on_commit_callbacks
):
    submit(settlement_a, now=NOW - datetime.timedelta(days=1))
    application = submit(
        settlement_a,
        applicant=applicant_details(phone=PHONE),
        documents=[document("teacher", datetime.date(2026, 11, 20))],
        now=NOW,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_benefit(
            document=application.benefit_documents.get(), actor=second_specialist_a, now=NOW
        )
    (text,) = sms_to(PHONE)
    assert application.display_number in text
    assert ": 1." in text  # out-of-turn now: first in the queue


def test_a_rejected_document_is_announced_with_the_reason(
    settlement_a, second_specialist_a, django_capture_on_commit_callbacks
):
    application = submit(
        settlement_a,
        applicant=applicant_details(phone=PHONE),
        documents=[document("orphan", datetime.date(2026, 11, 20))],
        now=NOW,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_benefit(
            document=application.benefit_documents.get(),
            actor=second_specialist_a,
            reason="Скан нечитаем",
            now=NOW,
        )
    (text,) = sms_to(PHONE)
    assert "Скан нечитаем" in text


@pytest.mark.parametrize(("language", "word"), [("ru", "зарегистрировано"), ("kk", "тіркелді")])
def test_notices_are_written_in_the_parents_language(
    settlement_a, django_capture_on_commit_callbacks, language, word
):
    applicant = submit(settlement_a, applicant=applicant_details(phone="+77010009988"), now=NOW).applicant
    applicant.language = language
    applicant.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        submit(settlement_a, applicant=applicant_details(iin=applicant.iin, phone=applicant.phone), now=NOW)
    assert word in sms_to(applicant.phone)[-1]
