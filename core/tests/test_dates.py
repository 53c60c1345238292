"""Time and the calendar (core/dates.py): working days, periods, months, and how a date reads."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.utils import formats, timezone, translation

from core.dates import (
    ALMATY,
    add_months,
    end_of,
    format_date,
    format_datetime,
    is_working_day,
    last_day,
    last_working_day_of_period,
    local_date,
    same_day_in,
    shift_months,
)


def test_the_referral_example_of_the_rules():
    """Issued Monday 14 December 2026, 5 working days: valid through Tuesday 22 December.

    16 December is Independence Day.
    """
    assert last_working_day_of_period(datetime.date(2026, 12, 14), 5) == datetime.date(2026, 12, 22)


def test_weekends_and_nauryz_with_its_observed_days_are_not_working_days():
    assert not is_working_day(datetime.date(2026, 3, 21))  # Saturday, Nauryz
    assert not is_working_day(datetime.date(2026, 3, 23))  # Monday, Nauryz
    assert not is_working_day(datetime.date(2026, 3, 25))  # observed day for the weekend
    assert is_working_day(datetime.date(2026, 3, 26))


def test_a_period_starting_before_nauryz_jumps_over_it():
    # From Friday 20 March 2026 the next working days are 26, 27 and 30 March.
    assert last_working_day_of_period(datetime.date(2026, 3, 20), 3) == datetime.date(2026, 3, 30)


def test_a_period_ends_at_midnight_almaty_after_its_last_day():
    end = end_of(datetime.date(2026, 12, 22))
    assert end.isoformat() == "2026-12-23T00:00:00+05:00"


def test_a_period_needs_a_working_day():
    with pytest.raises(ValueError, match="at least one"):
        last_working_day_of_period(datetime.date(2026, 12, 14), 0)


# --- months ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),  # a leap year
        (datetime.date(2028, 3, 31), -1, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 3, 31), -1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 2, 29), 12, datetime.date(2029, 2, 28)),
        (datetime.date(2028, 2, 29), 48, datetime.date(2032, 2, 29)),
        (datetime.date(2026, 12, 15), 1, datetime.date(2027, 1, 15)),
        (datetime.date(2026, 1, 15), -1, datetime.date(2025, 12, 15)),
        (datetime.date(2026, 8, 31), -36, datetime.date(2023, 8, 31)),
    ],
)
def test_a_month_later_is_the_same_day_or_the_last_day_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


def test_the_same_day_in_a_year_falls_back_to_the_last_day_of_the_month():
    assert same_day_in(2027, 2, 29) == datetime.date(2027, 2, 28)
    assert same_day_in(2028, 2, 29) == datetime.date(2028, 2, 29)
    assert same_day_in(2026, 4, 31) == datetime.date(2026, 4, 30)


def test_a_moment_shifted_by_months_keeps_its_clock_time_and_zone():
    moment = datetime.datetime(2028, 2, 29, 23, 30, tzinfo=ALMATY)
    assert shift_months(moment, -12) == datetime.datetime(2027, 2, 28, 23, 30, tzinfo=ALMATY)
    assert shift_months(moment, -12 * 5) == datetime.datetime(2023, 2, 28, 23, 30, tzinfo=ALMATY)


# --- the last day of a period ------------------------------------------------------------------


def test_the_last_day_of_a_period_is_the_day_before_the_midnight_it_ends_at():
    day = datetime.date(2026, 12, 18)
    assert last_day(end_of(day)) == day
    # The same midnight written in UTC: 19:00 on the 18th.
    assert last_day(datetime.datetime(2026, 12, 18, 19, 0, tzinfo=datetime.UTC)) == day


def test_a_period_ending_during_a_day_runs_into_that_day():
    assert last_day(datetime.datetime(2026, 12, 19, 10, 0, tzinfo=ALMATY)) == datetime.date(2026, 12, 19)


def test_the_day_of_a_moment_is_the_day_in_almaty_not_in_utc():
    late_evening_utc = datetime.datetime(2026, 12, 31, 19, 30, tzinfo=datetime.UTC)
    assert local_date(late_evening_utc) == datetime.date(2027, 1, 1)
    assert local_date(datetime.datetime(2026, 12, 31, 18, 59, tzinfo=datetime.UTC)) == datetime.date(
        2026, 12, 31
    )


# --- how dates read, in both languages ---------------------------------------------------------

#: 00:30 on 1 January 2027 in Almaty, still 31 December in UTC.
JUST_AFTER_MIDNIGHT = datetime.datetime(2026, 12, 31, 19, 30, 5, tzinfo=datetime.UTC)


def _render(source: str, language: str, **context) -> str:
    with translation.override(language), timezone.override(datetime.UTC):
        return Template(source).render(Context(context))


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_date_reads_dd_mm_yyyy_in_both_languages(language):
    assert _render("{{ day|local_date }}", language, day=datetime.date(2026, 3, 8)) == "08.03.2026"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_moment_reads_as_its_day_and_time_in_almaty_whatever_zone_is_active(language):
    assert _render("{{ at|local_date }}", language, at=JUST_AFTER_MIDNIGHT) == "01.01.2027"
    assert _render("{{ at|local_datetime }}", language, at=JUST_AFTER_MIDNIGHT) == "01.01.2027 00:30"
    assert (
        _render('{{ at|local_datetime:"seconds" }}', language, at=JUST_AFTER_MIDNIGHT)
        == "01.01.2027 00:30:05"
    )


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_no_date_reads_as_nothing(language):
    assert (
        _render('{{ day|local_date }}|{{ at|local_datetime }}|{{ at|local_datetime|default:"—" }}', language)
        == "||—"
    )


def test_texts_and_templates_write_a_date_the_same_way():
    assert format_date(JUST_AFTER_MIDNIGHT) == "01.01.2027"
    assert format_datetime(JUST_AFTER_MIDNIGHT) == "01.01.2027 00:30"
    assert format_datetime(JUST_AFTER_MIDNIGHT, seconds=True) == "01.01.2027 00:30:05"


def test_the_datetime_filter_refuses_an_unknown_precision():
    with pytest.raises(TemplateSyntaxError):
        _render('{{ at|local_datetime:"minutes" }}', "ru", at=JUST_AFTER_MIDNIGHT)


def test_the_country_zone_is_the_zone_django_shows_times_in():
    assert str(ALMATY) == settings.TIME_ZONE == settings.CELERY_TIMEZONE


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_django_own_displays_read_like_every_page(language):
    """The admin's lists show dates through Django's formats (``kindergarten_queue/formats``)."""
    with translation.override(language):
        assert formats.localize(timezone.template_localtime(JUST_AFTER_MIDNIGHT)) == "01.01.2027 00:30"
        assert formats.localize(datetime.date(2026, 3, 8)) == "08.03.2026"


# --- one home: no page or module formats a date or builds the zone by itself -------------------

#: What a copy of these rules looks like outside core/dates.py.
COPIES = {
    "py": re.compile(
        "|".join(
            (
                r"ZoneInfo\(",  # the zone
                r"strftime\(\"%d",  # a date for people
                r"date_format\(",
                r"monthrange\(",  # month arithmetic
                r"- datetime\.timedelta\(microseconds=1\)",  # the last day of a period
            )
        )
    ),
    "html": re.compile(r"\|date:(?![\"']c[\"'])"),
}


def _project_files(suffix: str):
    root = Path(settings.BASE_DIR)
    for path in sorted(root.rglob(f"*.{suffix}")):
        relative = path.relative_to(root)
        if relative.parts[0].startswith(".") or "tests" in relative.parts or "migrations" in relative.parts:
            continue
        yield relative, path.read_text()


@pytest.mark.parametrize("suffix", sorted(COPIES))
def test_dates_are_formatted_and_the_zone_built_only_in_core_dates(suffix):
    copies = [
        f"{relative}:{text.count(chr(10), 0, found.start()) + 1}"
        for relative, text in _project_files(suffix)
        if relative != Path("core/dates.py")
        for found in COPIES[suffix].finditer(text)
    ]
    assert copies == [], "use core.dates (format_date, last_day, ALMATY) or |local_date and |local_datetime"
