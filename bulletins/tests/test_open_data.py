"""The daily open data (issue 13): de-identified rows, positions as parents see them, served with an ETag."""

import csv
import datetime
import io
import json

import pytest
from django.conf import settings
from django.urls import reverse

from applications.tests.factories import child_details, submit
from bulletins import opendata
from bulletins.tests.factories import MONDAY_14_DECEMBER, at, group_in, published_bulletin
from core import dates
from queues import selectors
from queues.choices import BenefitClass
from queues.models import Queue, QueueEntry, new_version

NOW = MONDAY_14_DECEMBER
pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]


@pytest.fixture
def applications(settlement_a, kindergarten_a):
    """Four children in 2022's general queue; the third has an out-of-turn benefit, the fourth withdrew."""
    made = [
        submit(settlement_a, child=child_details(surname=f"Сейітов{index}"), now=at(index + 1, month=11))
        for index in range(4)
    ]
    made[0].preferred_kindergartens.add(kindergarten_a)
    QueueEntry.objects.filter(application=made[2]).update(benefit_class=BenefitClass.OUT_OF_TURN)
    QueueEntry.objects.filter(application=made[3]).update(left_at=at(10), left_reason="withdrawn")
    made[3].__class__.objects.filter(pk=made[3].pk).update(status="withdrawn", status_reason="withdrawn")
    Queue.objects.update(version=new_version())
    return made


@pytest.fixture
def exported(settlement_a, applications, specialist_a, kindergarten_a):
    published_bulletin(specialist_a, {group_in(kindergarten_a): 3}, now=NOW)
    assert opendata.export_all(now=NOW) == 1
    return settlement_a


def read_csv(settlement, dataset):
    with open(opendata.path_of(settlement.kato_code, dataset, "csv"), encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_one_row_per_active_application_with_the_position_a_parent_sees(exported, applications):
    rows = read_csv(exported, "applications")
    assert [row["number"] for row in rows] == [
        applications[2].number,
        applications[0].number,
        applications[1].number,
    ]
    for row in rows:
        (position,) = selectors.positions_of_application(
            next(a.pk for a in applications if a.number == row["number"])
        )
        assert int(row["position"]) == position.standing.position
    assert [row["benefit"] for row in rows] == ["true", "false", "false"]
    assert rows[1]["preferred_kindergartens"] == str(applications[0].preferred_kindergartens.get().pk)
    assert rows[0]["birth_year"] == "2022"
    assert rows[0]["queue_kind"] == "general"
    assert rows[0]["submitted_at"].startswith("2026-11-03T10:00:00+05:00")


def test_the_json_holds_the_same_rows(exported):
    with open(opendata.path_of(exported.kato_code, "applications", "json"), encoding="utf-8") as handle:
        rows = json.load(handle)
    assert [row["number"] for row in rows] == [row["number"] for row in read_csv(exported, "applications")]
    assert rows[0]["benefit"] is True
    places = json.loads(opendata.path_of(exported.kato_code, "places", "json").read_text(encoding="utf-8"))
    assert [(place["places"], place["free"], place["birth_year"]) for place in places] == [(3, 3, 2022)]


@pytest.mark.parametrize("dataset", opendata.DATASETS)
def test_no_column_names_or_holds_personal_data(exported, applications, dataset):
    columns = [column.name for column in opendata.COLUMNS[dataset]]
    for column in columns:
        assert column != "name"
        assert not any(word in column for word in opendata.FORBIDDEN), column
    content = opendata.path_of(exported.kato_code, dataset, "csv").read_text(encoding="utf-8")
    content += opendata.path_of(exported.kato_code, dataset, "json").read_text(encoding="utf-8")
    assert next(csv.reader(io.StringIO(content))) == columns
    for application in applications:
        child, applicant = application.child, application.applicant
        for personal in (child.iin, child.surname, child.name, applicant.surname, applicant.phone):
            assert personal not in content
        assert child.birth_date.isoformat() not in content
        assert dates.format_date(child.birth_date) not in content


def test_the_setting_turns_the_export_off(settings, settlement_a, applications):
    settings.OPEN_DATA_EXPORT = False
    assert opendata.export_all(now=NOW) == 0
    assert not opendata.path_of(settlement_a.kato_code, "applications", "csv").exists()


def test_a_scheduled_task_writes_it_every_day():
    (entry,) = [
        job for job in settings.CELERY_BEAT_SCHEDULE.values() if job["task"].endswith("export_open_data")
    ]
    assert entry["schedule"].hour == {3}


def test_served_at_a_stable_address_with_an_etag(client, exported, applications):
    url = reverse("bulletins:open_data_file", args=[exported.kato_code, "applications", "csv"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    etag = response["ETag"]
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304

    submit(exported, child=child_details(birth_date=datetime.date(2022, 5, 1)), now=at(12))
    opendata.export_all(now=NOW + datetime.timedelta(days=1))
    fresh = client.get(url, headers={"if-none-match": etag})
    assert fresh.status_code == 200, "a new export is a new version of the file"
    assert len(list(csv.reader(io.StringIO(b"".join(fresh.streaming_content).decode())))) == 1 + 4


def test_the_open_data_page_lists_the_files_and_the_columns(client, exported):
    page = client.get(reverse("bulletins:open_data")).content.decode()
    assert reverse("bulletins:open_data_file", args=[exported.kato_code, "places", "json"]) in page
    assert "<code>preferred_kindergartens</code>" in page
