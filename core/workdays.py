"""Working days and period ends, as Kazakhstan counts them (RULES.md section 5).

Public holidays, with their observed (moved) days, come from the maintained
``holidays`` library rather than a list typed by hand. A period in days starts
the day after the event, as periods are counted in civil law, and ends at
midnight Asia/Almaty after its last day.
"""

import datetime
import functools
import zoneinfo

import holidays

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")


@functools.cache
def _public_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("KZ", years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def last_working_day_of_period(event_day: datetime.date, working_days: int) -> datetime.date:
    """The last day of a period of ``working_days`` working days that starts the day after ``event_day``.

    A referral issued on Monday 14 December 2026 with 5 working days lasts
    through Tuesday 22 December: 16 December is Independence Day.
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
