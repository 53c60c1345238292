"""The age rule in SQL (``selectors.age_fit_sql``) and in Python (``age.age_ineligibility_reason``) agree.

Opening access chooses among many children in SQL; a referral is refused in
Python. Each case runs the SQL condition over every birth date of a span
around the boundary (29 February of the years nearby included) and compares
it with the Python rule, date by date.
"""

import datetime

import pytest
from django.db import connection

from applications.age import age_ineligibility_reason, school_year_cutoff, too_old_born_until, years_that_fit
from applications.selectors import age_fit_sql, year_fits_sql

date = datetime.date
SPAN = 800  # days each side of the boundary: more than two years, so at least one 29 February


def fits_in_sql(birth_dates: list[datetime.date], today: datetime.date) -> list[bool]:
    """The SQL condition for each birth date, for a child without a PMPK conclusion (no application -1)."""
    condition, params = age_fit_sql(birth_date="child.birth_date", application="-1", today=today)
    values = ", ".join(f"(CAST(%(birth_{index})s AS DATE))" for index in range(len(birth_dates)))
    params |= {f"birth_{index}": value.isoformat() for index, value in enumerate(birth_dates)}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CASE WHEN {condition} THEN 1 ELSE 0 END FROM (VALUES {values}) AS child (birth_date)",  # noqa: S608 - test's own SQL
            params,
        )
        return [bool(fits) for (fits,) in cursor.fetchall()]


def fits_in_python(birth_date: datetime.date, today: datetime.date) -> bool:
    return age_ineligibility_reason(birth_date, today, has_special_needs_conclusion=False) is None


CUTOFFS = {
    "1 September": (9, 1),
    "28 February": (2, 28),
    "29 February": (2, 29),
    "1 March": (3, 1),
    "1 January": (1, 1),
}
TODAYS = [
    date(2026, 12, 14),  # a Monday of the bulletins' tests
    date(2026, 9, 1),  # the school year turns
    date(2026, 8, 31),  # the day before
    date(2028, 2, 28),  # a leap year, before 29 February
    date(2028, 2, 29),
    date(2028, 3, 1),
    date(2027, 2, 28),  # a common year
    date(2027, 3, 1),
    date(2027, 1, 1),
]


@pytest.mark.django_db
@pytest.mark.parametrize("cutoff", CUTOFFS, ids=str)
@pytest.mark.parametrize("today", TODAYS, ids=str)
@pytest.mark.parametrize("max_age", [6, 3])
def test_sql_and_python_agree_on_every_birth_date_around_the_boundary(settings, cutoff, today, max_age):
    settings.QUEUE_AGE_CUTOFF_MONTH, settings.QUEUE_AGE_CUTOFF_DAY = CUTOFFS[cutoff]
    settings.QUEUE_MAX_AGE_YEARS = max_age
    boundary = too_old_born_until(today)
    birth_dates = [boundary + datetime.timedelta(days=offset) for offset in range(-SPAN, SPAN)]
    birth_dates += [today, today + datetime.timedelta(days=1)]  # born today fits; not yet born never does
    birth_dates += [date(year, 2, 29) for year in range(2016, 2029, 4)]

    assert fits_in_sql(birth_dates, today) == [fits_in_python(birth, today) for birth in birth_dates]
    assert not fits_in_python(boundary, today)
    assert fits_in_python(boundary + datetime.timedelta(days=1), today)


@pytest.mark.django_db
def test_born_29_february_is_too_old_on_a_28_february_cutoff_of_a_common_year(settings):
    settings.QUEUE_AGE_CUTOFF_MONTH, settings.QUEUE_AGE_CUTOFF_DAY = 2, 28
    today = date(2027, 3, 10)
    assert school_year_cutoff(today) == date(2027, 2, 28)
    # Born 29 February 2020: seven on 28 February 2027, the birthday counted on the month's last day.
    assert too_old_born_until(today) == date(2020, 2, 29)
    assert fits_in_sql([date(2020, 2, 29), date(2020, 3, 1)], today) == [False, True]


def every_day_of(year: int) -> list[datetime.date]:
    return [
        date(year, 1, 1) + datetime.timedelta(days=day)
        for day in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)
    ]


def year_fits_in_sql(years: list[int], today: datetime.date) -> list[bool]:
    condition, params = year_fits_sql(birth_year="queue.birth_year", today=today)
    values = ", ".join(f"(%(year_{index})s)" for index in range(len(years)))
    params |= {f"year_{index}": year for index, year in enumerate(years)}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CASE WHEN {condition} THEN 1 ELSE 0 END FROM (VALUES {values}) AS queue (birth_year)",  # noqa: S608 - test's own SQL
            params,
        )
        return [bool(fits) for (fits,) in cursor.fetchall()]


@pytest.mark.django_db
@pytest.mark.parametrize("cutoff", CUTOFFS, ids=str)
@pytest.mark.parametrize("today", [*TODAYS, date(2026, 12, 31), date(2027, 12, 30)], ids=str)
@pytest.mark.parametrize("max_age", [6, 3])
def test_a_year_fits_whole_exactly_when_every_child_born_in_it_fits(settings, cutoff, today, max_age):
    """Opening access reads no child of a queue whose birth year fits whole: that must never let in a
    child the rule keeps out, nor read the children of a year that fits."""
    settings.QUEUE_AGE_CUTOFF_MONTH, settings.QUEUE_AGE_CUTOFF_DAY = CUTOFFS[cutoff]
    settings.QUEUE_MAX_AGE_YEARS = max_age
    years = list(range(today.year - max_age - 3, today.year + 2))
    every_child_fits = [all(fits_in_python(birth, today) for birth in every_day_of(year)) for year in years]

    assert [year in years_that_fit(today) for year in years] == every_child_fits
    assert year_fits_in_sql(years, today) == every_child_fits
    assert any(every_child_fits)
