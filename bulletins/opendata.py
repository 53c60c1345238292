"""The daily open data (issue 13): each settlement's queue and bulletins, de-identified, as CSV and JSON.

One row per active application and queue it stands in: its number, when it was
submitted, its status, the birth year and kind of the queue, whether a benefit
applies (never which), the kindergartens it named and its position now; and one
row per place of the settlement's current bulletins. Nothing that identifies a
child: no name, IIN, birth date or phone (``FORBIDDEN`` lists what the tests
check every column against). docs/open-data.md is the data dictionary.

Memory stays flat however long the queue: the rows come from one SQL statement
through a server-side cursor, a batch at a time, and go straight to files,
written beside the old ones and swapped in whole (``os.replace``), so a
download never sees half a file.
"""

import csv
import datetime
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from applications.choices import ACTIVE_STATUSES
from applications.models import Application
from core import clock, dates
from directory.models import Settlement
from queues import selectors
from queues.choices import BenefitClass
from queues.models import Queue

from .choices import BulletinStatus
from .models import BulletinPlace

BATCH = 2000
FORMATS = ("csv", "json")
DATASETS = ("applications", "places")

#: What must never be a column of the export, nor part of one's name: what identifies a child or a parent
#: (a kindergarten's name and address are public). A column named just "name" is refused too.
FORBIDDEN = (
    "child",
    "applicant",
    "parent",
    "surname",
    "patronymic",
    "iin",
    "birth_date",
    "birthday",
    "phone",
    "email",
)


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str


APPLICATION_COLUMNS = (
    Column("number", _("Application number (10 digits)")),
    Column("submitted_at", _("When the application was submitted, Almaty time (ISO 8601)")),
    Column("status", _("Status of the application")),
    Column("birth_year", _("Birth year of the queue")),
    Column("queue_kind", _("Kind of queue: general, special or sanatorium")),
    Column("benefit", _("Whether a benefit applies (true or false); never which")),
    Column("preferred_kindergartens", _("Identifiers of the kindergartens named, separated by ';'")),
    Column("position", _("Position in this queue at the time of the export")),
)

PLACE_COLUMNS = (
    Column("bulletin", _("Bulletin number")),
    Column("published_at", _("When the bulletin was published, Almaty time (ISO 8601)")),
    Column(
        "priority_until", _("When its priority window ends; after it anyone in the queue may take a place")
    ),
    Column("kindergarten", _("Kindergarten identifier")),
    Column("kindergarten_name", _("Kindergarten name")),
    Column("kindergarten_address", _("Kindergarten address")),
    Column("group", _("Group name")),
    Column("birth_year", _("Birth year of the group")),
    Column("group_language", _("Language of the group")),
    Column("queue_kind", _("Kind of queue")),
    Column("places", _("Places published")),
    Column("free", _("Places still free at the time of the export")),
)

COLUMNS = {"applications": APPLICATION_COLUMNS, "places": PLACE_COLUMNS}


def folder() -> Path:
    return Path(settings.OPEN_DATA_ROOT)


def path_of(settlement_kato: str, dataset: str, fmt: str) -> Path:
    return folder() / settlement_kato / f"{dataset}.{fmt}"


def export_all(*, now: datetime.datetime | None = None) -> int:
    """Export every settlement that has a queue; returns how many. Nothing when the setting says no."""
    if not settings.OPEN_DATA_EXPORT:
        return 0
    now = now or clock.now()
    settlements = Settlement.objects.filter(Q(queues__isnull=False)).distinct().order_by("pk")
    count = 0
    for settlement in settlements.iterator(chunk_size=500):
        export_settlement(settlement, now=now)
        count += 1
    return count


def export_settlement(settlement: Settlement, *, now: datetime.datetime) -> None:
    """Write the settlement's two data sets in both formats, each swapped in whole."""
    target = folder() / settlement.kato_code
    target.mkdir(parents=True, exist_ok=True)
    _write(target, "applications", APPLICATION_COLUMNS, lambda: application_rows(settlement))
    _write(target, "places", PLACE_COLUMNS, lambda: place_rows(settlement, now=now))


def _write(target: Path, dataset: str, columns, rows) -> None:
    names = [column.name for column in columns]
    partial = {fmt: target / f".{dataset}.{fmt}.partial" for fmt in FORMATS}
    with (
        open(partial["csv"], "w", newline="", encoding="utf-8") as as_csv,
        open(partial["json"], "w", encoding="utf-8") as as_json,
    ):
        writer = csv.writer(as_csv)
        writer.writerow(names)
        as_json.write("[")
        for index, row in enumerate(rows()):
            writer.writerow(_csv_value(value) for value in row)
            as_json.write(
                ("," if index else "")
                + "\n"
                + json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False)
            )
        as_json.write("\n]\n")
    for fmt in FORMATS:
        os.replace(partial[fmt], target / f"{dataset}.{fmt}")


def _csv_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return value


_APPLICATIONS_SQL = """
    SELECT application.number, application.submitted_at, application.status, queue.birth_year, queue.kind,
           positioned.benefit_class <> %(general)s,
           ARRAY(SELECT preferred.kindergarten_id FROM {preferred} AS preferred
                 WHERE preferred.application_id = application.id ORDER BY preferred.kindergarten_id),
           positioned.position
    FROM ({positions}) AS positioned
    JOIN {application} AS application ON application.id = positioned.application_id
    JOIN {queue} AS queue ON queue.id = positioned.queue_id
    WHERE application.status IN %(active)s
    ORDER BY queue.birth_year, queue.kind, positioned.position
"""


def application_rows(settlement: Settlement) -> Iterator[list]:
    """The settlement's active applications in each queue, in queue order, streamed a batch at a time."""
    positions, params = selectors.positions_in_settlement_sql(settlement.pk)
    quote = connection.ops.quote_name
    sql = _APPLICATIONS_SQL.format(
        positions=positions.replace("%s", "%(queues)s"),
        preferred=quote(Application.preferred_kindergartens.through._meta.db_table),
        application=quote(Application._meta.db_table),
        queue=quote(Queue._meta.db_table),
    )
    arguments = {"queues": params[0], "general": BenefitClass.GENERAL, "active": tuple(ACTIVE_STATUSES)}
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, arguments)
        while batch := cursor.fetchmany(BATCH):
            for number, submitted_at, status, birth_year, kind, benefit, preferred, position in batch:
                yield [
                    number,
                    _moment(submitted_at),
                    status,
                    birth_year,
                    kind,
                    benefit,
                    list(preferred),
                    position,
                ]


def place_rows(settlement: Settlement, *, now: datetime.datetime) -> Iterator[list]:
    """The places of the settlement's bulletins published this day or still with free places."""
    today_starts = dates.end_of(dates.local_date(now) - datetime.timedelta(days=1))
    places = (
        BulletinPlace.objects.filter(bulletin__status=BulletinStatus.PUBLISHED, queue__settlement=settlement)
        .filter(Q(bulletin__published_at__gte=today_starts) | Q(taken__lt=F("places") - F("withdrawn")))
        .select_related("bulletin", "group__kindergarten", "queue")
        .order_by("bulletin_id", "group__kindergarten_id", "group_id")
    )
    for place in places.iterator(chunk_size=BATCH):
        kindergarten = place.group.kindergarten
        yield [
            place.bulletin_id,
            _moment(place.bulletin.published_at),
            _moment(place.bulletin.priority_until),
            kindergarten.pk,
            kindergarten.name_kk,
            kindergarten.address,
            place.group.name,
            place.queue.birth_year,
            place.group.language,
            place.queue.kind,
            place.places,
            place.free,
        ]


def _moment(value: datetime.datetime) -> str:
    return dates.local_moment(value).isoformat()
