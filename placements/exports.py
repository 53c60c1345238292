"""Staff exports (issue 14, item 2): a queue with its positions, a bulletin's outcome, referrals and
enrolments in a period. Each is a list of column headers in the active language and an iterator of
rows read a batch at a time; ``core.exports`` writes them as CSV or XLSX.

Every export is scoped exactly as the admin's lists: the records come through
``restrict(user, VIEW)``, so a specialist's file holds their districts only.
Positions are never computed here: they are ``queues.selectors.positions_in_queue_sql``'s,
the closed form every page shows. These live in placements, the highest domain
app, because a bulletin's outcome is its referrals.
"""

import datetime
from collections.abc import Iterator

from django.db import connection, transaction
from django.utils.translation import get_language, gettext, pgettext

from accounts.choices import Action
from applications.models import Application, Child
from bulletins.models import Bulletin
from core import dates
from directory.choices import KindergartenKind
from queues import selectors
from queues.choices import BenefitClass
from queues.models import Queue, QueueEntry

from .choices import ReferralStatus
from .models import Enrolment, Referral

BATCH = 2000


class _Numbered:
    def __init__(self, number: str):
        self.number = number


def _number(number: str) -> str:
    """An application's number grouped as the pages show it (``Application.display_number``)."""
    return Application.display_number.fget(_Numbered(number))


def _referral_number(number: str) -> str:
    """A referral's number grouped as the pages show it (``Referral.display_number``)."""
    return Referral.display_number.fget(_Numbered(number))


def _name_field(prefix: str) -> str:
    return f"{prefix}name_ru" if get_language() == "ru" else f"{prefix}name_kk"


# --- a queue in order -------------------------------------------------------------------------------

_QUEUE_SQL = """
    SELECT positioned.position, application.number, child.surname, child.name, child.patronymic,
           child.birth_date, positioned.benefit_class, entry.submitted_at
    FROM ({positions}) AS positioned
    JOIN {application} AS application ON application.id = positioned.application_id
    JOIN {child} AS child ON child.id = application.child_id
    JOIN {entry} AS entry ON entry.queue_id = positioned.queue_id
        AND entry.application_id = positioned.application_id AND entry.left_at IS NULL
    ORDER BY positioned.position
"""


def queue_headers() -> list[str]:
    return [
        gettext("Position"),
        gettext("Application"),
        gettext("Child"),
        gettext("Birth date"),
        gettext("Class"),
        gettext("Submitted"),
    ]


def queue_rows(queue: Queue) -> Iterator[list]:
    """Every child standing in ``queue``, in queue order, streamed a batch at a time.

    The caller has found ``queue`` through ``restrict(user, VIEW)``.
    """
    positions, params = selectors.positions_in_queue_sql(queue.pk)
    quote = connection.ops.quote_name
    sql = _QUEUE_SQL.format(
        positions=positions,
        application=quote(Application._meta.db_table),
        child=quote(Child._meta.db_table),
        entry=quote(QueueEntry._meta.db_table),
    )
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(BATCH):
            for position, number, surname, name, patronymic, birth_date, benefit_class, submitted in batch:
                yield [
                    position,
                    _number(number),
                    " ".join(part for part in (surname, name, patronymic) if part),
                    birth_date,
                    BenefitClass(benefit_class).label,
                    dates.format_datetime(submitted, seconds=True),
                ]


# --- a bulletin's outcome ---------------------------------------------------------------------------


def bulletin_headers() -> list[str]:
    return [
        gettext("Kindergarten"),
        gettext("Group"),
        gettext("Birth year"),
        gettext("Queue"),
        gettext("Application"),
        gettext("Referral"),
        gettext("Given on"),
        gettext("Phase"),
        gettext("Status"),
    ]


def phase_of(issued_at: datetime.datetime, priority_until: datetime.datetime | None) -> str:
    """Whether a place went in the priority window (to a child given access) or after it, to anyone."""
    if priority_until is not None and issued_at < priority_until:
        return pgettext("bulletin phase", "Priority access")
    return pgettext("bulletin phase", "Open to all")


def bulletin_rows(bulletin: Bulletin, user) -> Iterator[list]:
    """Which place of ``bulletin`` went to which application, when and in which phase, in order given."""
    referrals = (
        Referral.objects.restrict(user, Action.VIEW)
        .filter(place__bulletin=bulletin)
        .order_by("issued_at", "pk")
        .values_list(
            _name_field("kindergarten__"),
            "group__name",
            "place__queue__birth_year",
            "place__queue__kind",
            "application__number",
            "number",
            "issued_at",
            "status",
        )
    )
    for kindergarten, group, birth_year, kind, application, number, issued_at, status in referrals.iterator(
        chunk_size=BATCH
    ):
        yield [
            kindergarten,
            group,
            birth_year,
            KindergartenKind(kind).label,
            _number(application),
            _referral_number(number),
            issued_at,
            phase_of(issued_at, bulletin.priority_until),
            ReferralStatus(status).label,
        ]


# --- referrals and enrolments in a period -----------------------------------------------------------


def period_bounds(first_day: datetime.date, last_day: datetime.date):
    """The moments a period of whole days in Almaty starts and ends."""
    return dates.end_of(first_day - datetime.timedelta(days=1)), dates.end_of(last_day)


def referral_headers() -> list[str]:
    return [
        gettext("Referral"),
        gettext("Application"),
        gettext("Child"),
        gettext("Kindergarten"),
        gettext("Group"),
        gettext("Given on"),
        gettext("Valid through"),
        gettext("Status"),
        gettext("Out-of-turn"),
    ]


def referral_rows(user, first_day: datetime.date, last_day: datetime.date) -> Iterator[list]:
    """The referrals issued from ``first_day`` through ``last_day`` in the user's districts, oldest first."""
    starts, ends = period_bounds(first_day, last_day)
    referrals = (
        Referral.objects.restrict(user, Action.VIEW)
        .filter(issued_at__gte=starts, issued_at__lt=ends)
        .order_by("issued_at", "pk")
        .values_list(
            "number",
            "application__number",
            "child__surname",
            "child__name",
            "child__patronymic",
            _name_field("kindergarten__"),
            "group__name",
            "issued_at",
            "valid_until",
            "extended_until",
            "status",
            "out_of_turn",
        )
    )
    for row in referrals.iterator(chunk_size=BATCH):
        number, application, surname, name, patronymic, kindergarten, group, issued, valid, extended = row[
            :10
        ]
        status, out_of_turn = row[10:]
        yield [
            _referral_number(number),
            _number(application),
            " ".join(part for part in (surname, name, patronymic) if part),
            kindergarten,
            group,
            issued,
            extended or valid,
            ReferralStatus(status).label,
            gettext("yes") if out_of_turn else gettext("no"),
        ]


def enrolment_headers() -> list[str]:
    return [
        gettext("Enrolled"),
        gettext("Referral"),
        gettext("Application"),
        gettext("Child"),
        gettext("Kindergarten"),
        gettext("Group"),
    ]


def enrolment_rows(user, first_day: datetime.date, last_day: datetime.date) -> Iterator[list]:
    """The enrolments registered from ``first_day`` through ``last_day`` in the user's districts."""
    starts, ends = period_bounds(first_day, last_day)
    enrolments = (
        Enrolment.objects.restrict(user, Action.VIEW)
        .filter(enrolled_at__gte=starts, enrolled_at__lt=ends)
        .order_by("enrolled_at", "pk")
        .values_list(
            "enrolled_at",
            "referral__number",
            "referral__application__number",
            "referral__child__surname",
            "referral__child__name",
            "referral__child__patronymic",
            _name_field("referral__kindergarten__"),
            "referral__group__name",
        )
    )
    for enrolled, number, application, surname, name, patronymic, kindergarten, group in enrolments.iterator(
        chunk_size=BATCH
    ):
        yield [
            enrolled,
            _referral_number(number),
            _number(application),
            " ".join(part for part in (surname, name, patronymic) if part),
            kindergarten,
            group,
        ]
