"""Time and the calendar, as Kazakhstan counts them: the one home of the zone, periods and date formats.

Everything day-based in the service goes through here (issue 17 item 2):

- the country's time zone, ``ALMATY`` (Asia/Almaty, the single zone since 2024);
- month arithmetic as civil law counts it (``add_months``, ``same_day_in``, ``shift_months``);
- working days and public holidays (RULES.md section 5), the moment a period
  ends (``end_of``) and, back from that moment, its last day (``last_day``);
- how a person reads a date and a moment: ``format_date`` (dd.mm.yyyy) and
  ``format_datetime`` (dd.mm.yyyy hh:mm), in Asia/Almaty and the same in Kazakh
  and Russian. Templates use them as the ``local_date`` and ``local_datetime``
  filters (``core/templatetags/dates.py``); texts, the PDF and messages call
  them directly. Machine fields (the API, the audit details) stay ISO 8601.

The current time itself comes from ``core.clock``.
"""

import calendar
import datetime
import functools
import zoneinfo

import holidays

#: The country's time zone: times are stored in UTC and read here (DESIGN.md, "State and time").
ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")

DATE_FORMAT = "%d.%m.%Y"
DATETIME_FORMAT = "%d.%m.%Y %H:%M"
#: For the submission time and the audit trail, where the order to the second matters (RULES.md section 3).
DATETIME_SECONDS_FORMAT = "%d.%m.%Y %H:%M:%S"
#: The same two in Django's notation, for what Django formats itself (``kindergarten_queue/formats``).
DJANGO_DATE_FORMAT = "d.m.Y"
DJANGO_DATETIME_FORMAT = "d.m.Y H:i"


# --- moments and days in Asia/Almaty ----------------------------------------------------------


def local_moment(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` on the clocks of Almaty."""
    return moment.astimezone(ALMATY)


def local_date(moment: datetime.datetime) -> datetime.date:
    """The day ``moment`` falls on in Almaty: 19:30 UTC is already the next day there."""
    return local_moment(moment).date()


# --- months -----------------------------------------------------------------------------------


def same_day_in(year: int, month: int, day: int) -> datetime.date:
    """The given day of the month, or the month's last day when the month is shorter (29 February).

    A period in months or years that ends in a month without its starting day
    ends on that month's last day (Civil Code of Kazakhstan).
    """
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (or earlier); the month's last day when it has no such day.

    31 January plus one month is 28 or 29 February; 31 March minus one month likewise.
    """
    year, month = divmod(day.year * 12 + (day.month - 1) + months, 12)
    return same_day_in(year, month + 1, day.day)


def shift_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """``add_months`` for a moment: the same clock time on that day, in the moment's own zone."""
    day = add_months(moment.date(), months)
    return moment.replace(year=day.year, month=day.month, day=day.day)


# --- working days and periods (RULES.md section 5) --------------------------------------------


@functools.cache
def _public_holidays(year: int) -> frozenset[datetime.date]:
    """Public holidays with their observed (moved) days, from the maintained ``holidays`` library."""
    return frozenset(holidays.country_holidays("KZ", years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def last_working_day_of_period(event_day: datetime.date, working_days: int) -> datetime.date:
    """The last day of a period of ``working_days`` working days that starts the day after ``event_day``.

    A period in days starts the day after the event, as civil law counts it. A
    referral issued on Monday 14 December 2026 with 5 working days lasts through
    Tuesday 22 December: 16 December is Independence Day.
    """
    if working_days < 1:
        raise ValueError("a period has at least one working day")
    day, counted = event_day, 0
    while counted < working_days:
        day += datetime.timedelta(days=1)
        counted += is_working_day(day)
    return day


def end_of(day: datetime.date) -> datetime.datetime:
    """The moment a period whose last day is ``day`` ends: midnight Asia/Almaty after it."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=ALMATY)


def last_day(ends_at: datetime.datetime) -> datetime.date:
    """The last day of a period that ends at ``ends_at``: the inverse of ``end_of``.

    A window ending at midnight after 18 December ran through 18 December; one
    ending at 15:00 on 19 December ran into 19 December.
    """
    return local_date(ends_at - datetime.timedelta(microseconds=1))


# --- how a person reads them ------------------------------------------------------------------


def format_date(value: datetime.date | datetime.datetime | None) -> str:
    """dd.mm.yyyy; a moment is read as its day in Almaty. Empty for no value."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = local_date(value)
    return value.strftime(DATE_FORMAT)


def format_datetime(value: datetime.datetime | None, *, seconds: bool = False) -> str:
    """dd.mm.yyyy hh:mm on the clocks of Almaty (with :ss when ``seconds``). Empty for no value."""
    if value is None or value == "":
        return ""
    return local_moment(value).strftime(DATETIME_SECONDS_FORMAT if seconds else DATETIME_FORMAT)
