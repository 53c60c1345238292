"""Staff exports (issue 14, item 2): the files open, hold exactly the selectors' rows, stay in scope,
are refused to staff without the admin, and every download is in the audit trail."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.vocabulary import AuditAction
from bulletins import services as bulletin_services
from bulletins.tests.factories import at, group_in, published_bulletin, queue_of, waiting
from core.dates import format_date
from directory.tests.factories import KindergartenFactory
from placements import services
from placements.tests.factories import take
from queues import selectors

pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def given(bulletin, place, waiting_four, staff):
    """G1 took a place in the priority window and was enrolled; G3 took the other after the window."""
    first = take(waiting_four[0], place, now=at(14, 11))
    services.register_enrolment(referral=first, actor=staff, now=at(15, 9))
    second = take(waiting_four[2], place, now=at(21, 10))
    return first, second


@pytest.fixture
def district_b_referral(settlement_b, specialist_b, django_capture_on_commit_callbacks):
    """A referral in district B, which no file of district A may show."""
    group = group_in(KindergartenFactory(settlement=settlement_b))
    (application,) = waiting(settlement_b, 1, first=at(3, month=11))
    with django_capture_on_commit_callbacks(execute=True):
        bulletin = published_bulletin(specialist_b, {group: 1}, now=at(14, 9))
        bulletin_services.open_access(bulletin_id=bulletin.pk, now=at(14, 9))
    return take(application, bulletin.places.get(), now=at(14, 12))


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [
        ["" if value is None else value for value in row]
        for row in workbook.active.iter_rows(values_only=True)
    ]


def download(client, user, name, *args, data=None):
    client.force_login(user)
    url = reverse(f"admin:placements_referral_{name}", args=args)
    return client.post(url, data) if data is not None else client.get(url)


def test_the_queue_file_holds_the_selectors_positions_in_both_formats(
    client, waiting_four, group, specialist_a
):
    queue = queue_of(group)
    expected = [
        [row.position, row.entry.application.display_number, row.entry.application.child.full_name]
        for row in selectors.queue_page(queue, offset=0, limit=100)
    ]

    as_csv = csv_rows(download(client, specialist_a, "export_queue", queue.pk, "csv"))
    as_xlsx = xlsx_rows(download(client, specialist_a, "export_queue", queue.pk, "xlsx"))

    assert as_csv[0] == ["Position", "Application", "Child", "Birth date", "Class", "Submitted"]
    assert [[int(row[0]), row[1], row[2]] for row in as_csv[1:]] == expected
    assert [row[:3] for row in as_xlsx[1:]] == expected
    assert [[str(value) for value in row] for row in as_xlsx] == as_csv
    assert as_csv[1][3] == "12.04.2022"  # dd.mm.yyyy, as everywhere else
    assert as_csv[1][5] == "02.11.2026 10:00:00"


def test_the_queue_file_follows_the_order_after_a_child_leaves(
    client, given, waiting_four, group, specialist_a
):
    queue = queue_of(group)
    rows = csv_rows(download(client, specialist_a, "export_queue", queue.pk, "csv"))[1:]
    standing = [
        row.entry.application.display_number for row in selectors.queue_page(queue, offset=0, limit=100)
    ]
    assert [row[1] for row in rows] == standing
    assert waiting_four[0].display_number not in standing  # enrolled: out of the queue
    assert [row[0] for row in rows] == [str(n) for n in range(1, len(standing) + 1)]


def test_the_columns_are_in_the_language_of_the_page(client, waiting_four, group, specialist_a):
    client.cookies["django_language"] = "ru"
    rows = csv_rows(download(client, specialist_a, "export_queue", queue_of(group).pk, "csv"))
    assert rows[0][:3] == ["Место в очереди", "Заявление", "Ребёнок"]


def test_another_district_gets_no_queue_of_district_a(client, waiting_four, group, specialist_b):
    response = download(client, specialist_b, "export_queue", queue_of(group).pk, "csv")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.QUEUE_EXPORTED).exists()


@pytest.mark.parametrize("who", ["call_centre_operator", "parent"])
def test_staff_without_the_admin_and_parents_are_refused(client, who, request, waiting_four, group, bulletin):
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    for name, args in (
        ("export_queue", (queue_of(group).pk, "csv")),
        ("export_bulletin", (bulletin.pk, "xlsx")),
        ("export", ()),
    ):
        assert download(client, user, name, *args).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


def test_the_bulletin_outcome_says_which_place_went_to_whom_when_and_in_which_phase(
    client, given, bulletin, specialist_a
):
    first, second = given
    rows = csv_rows(download(client, specialist_a, "export_bulletin", bulletin.pk, "csv"))
    assert rows[0] == [
        "Kindergarten", "Group", "Birth year", "Queue", "Application", "Referral", "Given on", "Phase",
        "Status",
    ]  # fmt: skip
    assert [row[4:] for row in rows[1:]] == [
        [first.application.display_number, first.display_number, "14.12.2026 11:00", "Priority access",
         "Enrolled"],
        [second.application.display_number, second.display_number, "21.12.2026 10:00", "Open to all",
         "Issued"],
    ]  # fmt: skip
    assert xlsx_rows(download(client, specialist_a, "export_bulletin", bulletin.pk, "xlsx"))[1:] == [
        [row[0], row[1], int(row[2]), *row[3:]] for row in rows[1:]
    ]


def test_a_download_is_recorded_with_who_what_and_the_format(client, given, bulletin, group, specialist_a):
    download(client, specialist_a, "export_bulletin", bulletin.pk, "xlsx")
    download(client, specialist_a, "export_queue", queue_of(group).pk, "csv")
    events = {event.action: event for event in AuditEvent.objects.filter(action__startswith="export.")}
    assert set(events) == {AuditAction.BULLETIN_EXPORTED, AuditAction.QUEUE_EXPORTED}
    assert events[AuditAction.BULLETIN_EXPORTED].actor == specialist_a
    assert events[AuditAction.BULLETIN_EXPORTED].details == {"format": "xlsx"}
    assert events[AuditAction.QUEUE_EXPORTED].target_id == str(queue_of(group).pk)


def period(what, fmt="csv", first="2026-12-01", last="2026-12-31"):
    return {"what": what, "first_day": first, "last_day": last, "fmt": fmt}


def test_the_referrals_of_a_period_are_those_of_the_users_districts(
    client, given, district_b_referral, specialist_a, specialist_b
):
    first, second = given
    rows = csv_rows(download(client, specialist_a, "export", data=period("referrals")))
    assert [row[0] for row in rows[1:]] == [first.display_number, second.display_number]
    assert rows[1][5:] == ["14.12.2026 11:00", format_date(first.valid_through), "Enrolled", "no"]

    other = xlsx_rows(download(client, specialist_b, "export", data=period("referrals", "xlsx")))
    assert [row[0] for row in other[1:]] == [district_b_referral.display_number]
    event = AuditEvent.objects.get(action=AuditAction.REFERRALS_EXPORTED, actor=specialist_b)
    assert event.details == {"format": "xlsx", "from": "2026-12-01", "through": "2026-12-31"}


def test_the_period_is_of_whole_days_in_almaty(client, given, specialist_a):
    _first, second = given
    rows = csv_rows(
        download(
            client, specialist_a, "export", data=period("referrals", first="2026-12-21", last="2026-12-21")
        )
    )
    assert [row[0] for row in rows[1:]] == [second.display_number]


def test_the_enrolments_of_a_period(client, given, district_b_referral, specialist_a):
    first, _second = given
    rows = csv_rows(download(client, specialist_a, "export", data=period("enrolments")))
    assert rows[0][:3] == ["Enrolled", "Referral", "Application"]
    assert rows[1:] == [
        ["15.12.2026 09:00", first.display_number, first.application.display_number,
         first.child.full_name, first.kindergarten.name, first.group.name],
    ]  # fmt: skip
    assert AuditEvent.objects.filter(action=AuditAction.ENROLMENTS_EXPORTED, actor=specialist_a).count() == 1


def test_a_period_that_ends_before_it_starts_is_refused_in_words(client, specialist_a):
    response = download(
        client, specialist_a, "export", data=period("referrals", first="2026-12-10", last="2026-12-01")
    )
    assert response.status_code == 200
    assert "The last day comes before the first." in response.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


def test_the_exports_are_linked_from_the_queue_the_bulletin_and_the_day(
    client, given, bulletin, group, specialist_a
):
    client.force_login(specialist_a)
    queue_page = client.get(reverse("admin:queues_queue_change", args=[queue_of(group).pk])).content.decode()
    assert reverse("admin:placements_referral_export_queue", args=[queue_of(group).pk, "xlsx"]) in queue_page
    bulletin_page = client.get(
        reverse("admin:bulletins_bulletin_change", args=[bulletin.pk])
    ).content.decode()
    assert reverse("admin:placements_referral_export_bulletin", args=[bulletin.pk, "csv"]) in bulletin_page
    assert reverse("admin:placements_referral_export") in client.get(reverse("admin:index")).content.decode()


def test_an_unknown_format_is_not_found(client, waiting_four, group, specialist_a):
    assert download(client, specialist_a, "export_queue", queue_of(group).pk, "pdf").status_code == 404


def test_the_rows_cross_batches_whole_and_in_order(client, settlement_a, specialist_a, monkeypatch):
    from placements import exports

    monkeypatch.setattr(exports, "BATCH", 2)
    applications = waiting(settlement_a, 5, first=at(1, month=11))
    group = group_in(KindergartenFactory(settlement=settlement_a))
    rows = csv_rows(download(client, specialist_a, "export_queue", queue_of(group).pk, "csv"))
    assert [row[1] for row in rows[1:]] == [application.display_number for application in applications]


def test_another_district_gets_no_bulletin_of_district_a_in_either_format(
    client, given, bulletin, specialist_b
):
    for fmt in ("csv", "xlsx"):
        assert download(client, specialist_b, "export_bulletin", bulletin.pk, fmt).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.BULLETIN_EXPORTED).exists()
