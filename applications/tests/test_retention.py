"""The retention rule: files of ended applications, one-time codes and sign-in records are deleted in time.

docs/security.md, "Personal data", "Retention" states the periods; the nightly
job runs with the clock moved by time-machine, as it would years later.
"""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts import services as account_services
from accounts.models import OneTimeCode, UserSession
from applications import services, tasks
from applications.choices import BenefitCategory, Status
from applications.models import BenefitDocument
from applications.tests.factories import child_details, document, submit
from audit.models import AuditEvent

ALMATY = ZoneInfo("Asia/Almaty")
APPLIED = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ALMATY)
WITHDRAWN = datetime.datetime(2026, 4, 1, 9, 30, tzinfo=ALMATY)
# Three years (the default) after the withdrawal, to the minute.
THREE_YEARS_ON = datetime.datetime(2029, 4, 1, 9, 30, tzinfo=ALMATY)


def apply(parent, settlement, *categories):
    with time_machine.travel(APPLIED, tick=False):
        return submit(
            settlement,
            actor=parent.user,
            applicant=services.ApplicantDetails(
                iin=parent.iin, surname=parent.surname, name=parent.name, phone=parent.phone
            ),
            child=child_details(),
            documents=[document(category, issued_on=APPLIED.date()) for category in categories],
        )


@pytest.fixture
def withdrawn(parent, settlement_a):
    """An application with two benefit documents, withdrawn on 1 April 2026."""
    application = apply(parent, settlement_a, BenefitCategory.LARGE_FAMILY, BenefitCategory.ORPHAN)
    with time_machine.travel(WITHDRAWN, tick=False):
        services.withdraw_application(application=application, actor=parent.user)
    return application


def purge_at(moment):
    with time_machine.travel(moment, tick=False):
        return tasks.purge_personal_data.delay().get()


def files_on_disk() -> list[Path]:
    return [path for path in Path(django_settings.PRIVATE_MEDIA_ROOT).rglob("*") if path.is_file()]


def test_files_of_an_ended_application_are_kept_until_three_years_have_passed(withdrawn):
    counts = purge_at(THREE_YEARS_ON - datetime.timedelta(minutes=1))

    assert counts["document_files"] == 0
    assert len(files_on_disk()) == 2
    assert not withdrawn.benefit_documents.filter(file_purged_at__isnull=False).exists()


def test_files_are_deleted_three_years_after_the_application_ended_and_the_rows_stay(withdrawn):
    counts = purge_at(THREE_YEARS_ON + datetime.timedelta(minutes=1))

    assert counts["document_files"] == 2
    assert files_on_disk() == []
    documents = withdrawn.benefit_documents.order_by("pk")
    assert [document.category for document in documents] == [
        BenefitCategory.LARGE_FAMILY,
        BenefitCategory.ORPHAN,
    ]
    assert {document.file.name for document in documents} == {""}
    assert {document.file_purged_at for document in documents} == {
        THREE_YEARS_ON + datetime.timedelta(minutes=1)
    }
    withdrawn.refresh_from_db()
    assert withdrawn.status == Status.WITHDRAWN  # the register keeps the application


def test_an_active_application_keeps_its_files_however_old(parent, settlement_a):
    application = apply(parent, settlement_a, BenefitCategory.LARGE_FAMILY)

    counts = purge_at(APPLIED + datetime.timedelta(days=10 * 365))

    assert counts["document_files"] == 0
    assert application.benefit_documents.get().file_purged_at is None
    assert len(files_on_disk()) == 1


def test_the_period_is_a_setting(withdrawn, settings):
    settings.PERSONAL_DATA_RETENTION_YEARS = 5

    assert purge_at(THREE_YEARS_ON + datetime.timedelta(days=1))["document_files"] == 0
    assert purge_at(datetime.datetime(2031, 4, 1, 9, 31, tzinfo=ALMATY))["document_files"] == 2


def test_each_run_is_one_audit_event_and_a_second_run_deletes_nothing_more(withdrawn):
    after = THREE_YEARS_ON + datetime.timedelta(hours=1)

    first = purge_at(after)
    second = purge_at(after + datetime.timedelta(days=1))

    assert first["document_files"] == 2
    assert set(second.values()) == {0}
    runs = AuditEvent.objects.filter(action="retention.purged").order_by("at")
    assert [run.details["document_files"] for run in runs] == [2, 0]
    assert runs[0].actor is None
    assert runs[0].actor_role == "system"
    assert runs[0].details["applications_ended_before"] == "2026-04-01T10:30:00+05:00"


def test_a_file_already_missing_is_marked_all_the_same(withdrawn):
    for path in files_on_disk():
        path.unlink()

    assert purge_at(THREE_YEARS_ON + datetime.timedelta(hours=1))["document_files"] == 2
    assert not BenefitDocument.objects.filter(file_purged_at__isnull=True).exists()


def test_many_documents_are_purged_batch_by_batch(parent, settlement_a, settings):
    settings.RETENTION_BATCH_SIZE = 2
    application = apply(parent, settlement_a, *[BenefitCategory.ORPHAN] * 5)
    with time_machine.travel(WITHDRAWN, tick=False):
        services.withdraw_application(application=application, actor=parent.user)

    assert purge_at(THREE_YEARS_ON + datetime.timedelta(hours=1))["document_files"] == 5
    assert files_on_disk() == []


@pytest.mark.usefixtures("english_pages")
def test_a_purged_document_is_listed_without_its_file_for_the_parent_and_the_specialist(
    client, parent, withdrawn, specialist_a
):
    purge_at(THREE_YEARS_ON + datetime.timedelta(hours=1))
    document = withdrawn.benefit_documents.first()
    download_url = reverse("applications:document", args=[withdrawn.number, document.pk])

    with time_machine.travel(THREE_YEARS_ON + datetime.timedelta(days=1), tick=False):
        client.force_login(parent.user)
        download = client.get(download_url)
        page = client.get(reverse("applications:detail", args=[withdrawn.number]))
        client.force_login(specialist_a)
        desk = client.get(reverse("admin:applications_application_change", args=[withdrawn.pk]))
        staff_download = client.get(
            reverse("admin:applications_benefitdocument_download", args=[document.pk])
        )

    assert download.status_code == 404
    assert staff_download.status_code == 404
    assert "Child of a large family" in page.text
    assert "The file was deleted on 01.04.2029" in page.text
    assert download_url not in page.text
    assert desk.text.count("File deleted under the retention rule") == 2


# --- sign-in records ----------------------------------------------------------------------------


def test_one_time_codes_older_than_a_day_are_deleted(parent):
    requested = datetime.datetime(2026, 5, 4, 10, 0, tzinfo=ALMATY)
    for moment in (requested, requested + datetime.timedelta(hours=20)):
        account_services.request_code(
            iin=parent.iin, phone=parent.phone, purpose="sign_in", client_ip="203.0.113.5", now=moment
        )

    counts = purge_at(requested + datetime.timedelta(days=1, minutes=1))

    assert counts["one_time_codes"] == 1
    assert list(OneTimeCode.objects.values_list("created_at", flat=True)) == [
        requested + datetime.timedelta(hours=20)
    ]


def test_expired_sessions_and_the_list_rows_pointing_at_them_are_deleted(client, parent):
    signed_in_at = datetime.datetime(2026, 5, 4, 10, 0, tzinfo=ALMATY)
    with time_machine.travel(signed_in_at, tick=False):
        client.force_login(parent.user)
    session_key = client.session.session_key
    assert UserSession.objects.filter(session_key=session_key).exists()

    kept = purge_at(signed_in_at + datetime.timedelta(hours=11))
    gone = purge_at(signed_in_at + datetime.timedelta(hours=13))

    assert kept["expired_sessions"] == 0
    assert gone["expired_sessions"] == 1
    assert gone["stale_session_list_rows"] == 1
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not UserSession.objects.filter(session_key=session_key).exists()


def test_axes_records_older_than_thirty_days_are_deleted(db):
    now = datetime.datetime(2026, 6, 30, 3, 40, tzinfo=ALMATY)
    extra = {AccessAttempt: {"failures_since_start": 3}, AccessFailureLog: {}, AccessLog: {}}
    for model, fields in extra.items():
        for age in (datetime.timedelta(days=31), datetime.timedelta(days=29)):
            row = model.objects.create(
                username="880101300123",
                ip_address="203.0.113.5",
                user_agent=f"agent {age.days}",
                path_info="/",
                **fields,
            )
            model.objects.filter(pk=row.pk).update(attempt_time=now - age)

    counts = purge_at(now)

    assert counts["sign_in_attempts"] == 3
    for model in extra:
        assert list(model.objects.values_list("attempt_time", flat=True)) == [
            now - datetime.timedelta(days=29)
        ]


def test_the_job_is_scheduled_every_night_as_a_registered_task(settings):
    from kindergarten_queue.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE["purge-personal-data"]

    assert schedule["task"] in app.tasks
    assert schedule["schedule"].hour == {3}
