import datetime

import pytest

from core.workdays import end_of, is_working_day, last_working_day_of_period


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
