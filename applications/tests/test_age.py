"""The age rule of RULES.md section 4 around its edges: 31 August, 1 September, 29 February."""

import datetime

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from applications.age import (
    age_in_full_years,
    age_ineligibility_reason,
    age_on_cutoff,
    ages_out_on,
    is_age_eligible,
    school_year_cutoff,
)

date = datetime.date


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def cutoff_28_february(settings):
    settings.QUEUE_AGE_CUTOFF_MONTH = 2
    settings.QUEUE_AGE_CUTOFF_DAY = 28


@pytest.fixture
def cutoff_1_march(settings):
    settings.QUEUE_AGE_CUTOFF_MONTH = 3
    settings.QUEUE_AGE_CUTOFF_DAY = 1


def eligible(birth_date, today, *, has_special_needs_conclusion=False):
    return is_age_eligible(birth_date, today, has_special_needs_conclusion=has_special_needs_conclusion)


def test_cutoff_on_31_august_is_last_years_1_september():
    assert school_year_cutoff(date(2026, 8, 31)) == date(2025, 9, 1)


def test_cutoff_on_1_september_is_that_day():
    assert school_year_cutoff(date(2026, 9, 1)) == date(2026, 9, 1)


def test_cutoff_stays_for_the_whole_school_year():
    assert school_year_cutoff(date(2026, 12, 31)) == date(2026, 9, 1)
    assert school_year_cutoff(date(2027, 1, 1)) == date(2026, 9, 1)


def test_cutoff_follows_the_settings(cutoff_1_march):
    assert school_year_cutoff(date(2027, 2, 28)) == date(2026, 3, 1)
    assert school_year_cutoff(date(2027, 3, 1)) == date(2027, 3, 1)


def test_cutoff_set_to_29_february_falls_on_28_february_in_a_common_year(settings):
    settings.QUEUE_AGE_CUTOFF_MONTH = 2
    settings.QUEUE_AGE_CUTOFF_DAY = 29
    assert school_year_cutoff(date(2027, 2, 28)) == date(2027, 2, 28)
    assert school_year_cutoff(date(2028, 2, 28)) == date(2027, 2, 28)
    assert school_year_cutoff(date(2028, 2, 29)) == date(2028, 2, 29)


def test_full_years_turn_on_the_birthday_itself():
    assert age_in_full_years(date(2020, 9, 1), date(2026, 8, 31)) == 5
    assert age_in_full_years(date(2020, 9, 1), date(2026, 9, 1)) == 6


def test_born_on_29_february_turns_a_year_older_on_28_february_of_a_common_year():
    assert age_in_full_years(date(2020, 2, 29), date(2021, 2, 27)) == 0
    assert age_in_full_years(date(2020, 2, 29), date(2021, 2, 28)) == 1


def test_born_on_29_february_turns_a_year_older_on_29_february_of_a_leap_year():
    assert age_in_full_years(date(2020, 2, 29), date(2024, 2, 28)) == 3
    assert age_in_full_years(date(2020, 2, 29), date(2024, 2, 29)) == 4


def test_full_years_before_the_birth_date_are_refused():
    with pytest.raises(ValueError, match="before the birth date"):
        age_in_full_years(date(2020, 9, 1), date(2020, 8, 31))


def test_born_1_september_is_six_on_the_cutoff_and_eligible():
    assert age_on_cutoff(date(2020, 9, 1), date(2026, 9, 1)) == 6
    assert eligible(date(2020, 9, 1), date(2026, 9, 1))


def test_born_1_september_a_year_earlier_is_seven_and_not_eligible():
    assert age_on_cutoff(date(2019, 9, 1), date(2026, 9, 1)) == 7
    assert not eligible(date(2019, 9, 1), date(2026, 9, 1))


def test_seven_year_old_with_a_pmpk_conclusion_is_eligible():
    assert eligible(date(2019, 9, 1), date(2026, 9, 1), has_special_needs_conclusion=True)
    assert (
        age_ineligibility_reason(date(2019, 9, 1), date(2026, 9, 1), has_special_needs_conclusion=True)
        is None
    )


def test_born_2_september_is_still_six_on_the_cutoff_and_eligible():
    assert age_on_cutoff(date(2019, 9, 2), date(2026, 9, 1)) == 6
    assert eligible(date(2019, 9, 2), date(2026, 9, 1))


def test_born_31_august_is_seven_on_the_cutoff_and_not_eligible():
    assert age_on_cutoff(date(2019, 8, 31), date(2026, 9, 1)) == 7
    assert not eligible(date(2019, 8, 31), date(2026, 9, 1))


def test_child_ages_out_when_the_school_year_changes_on_1_september():
    assert eligible(date(2019, 9, 1), date(2026, 8, 31))
    assert not eligible(date(2019, 9, 1), date(2026, 9, 1))


def test_child_born_after_the_cutoff_is_zero_on_it_and_eligible():
    assert age_on_cutoff(date(2026, 9, 5), date(2026, 9, 10)) == 0
    assert eligible(date(2026, 9, 5), date(2026, 9, 10))


def test_child_born_today_is_eligible():
    assert eligible(date(2026, 9, 10), date(2026, 9, 10))


def test_child_not_yet_born_is_not_eligible_even_with_a_conclusion(english):
    assert not eligible(date(2026, 9, 11), date(2026, 9, 10))
    assert not eligible(date(2026, 9, 11), date(2026, 9, 10), has_special_needs_conclusion=True)
    assert (
        age_ineligibility_reason(date(2026, 9, 11), date(2026, 9, 10), has_special_needs_conclusion=False)
        == "The birth date 11.09.2026 is in the future."
    )


def test_born_29_february_is_counted_a_year_older_on_a_28_february_cutoff_of_a_common_year(
    cutoff_28_february,
):
    assert age_on_cutoff(date(2020, 2, 29), date(2026, 6, 1)) == 6
    assert eligible(date(2020, 2, 29), date(2027, 2, 27))
    assert age_on_cutoff(date(2020, 2, 29), date(2027, 2, 28)) == 7
    assert not eligible(date(2020, 2, 29), date(2027, 2, 28))


def test_born_29_february_is_not_yet_a_year_older_on_a_28_february_cutoff_of_a_leap_year(cutoff_28_february):
    assert age_on_cutoff(date(2020, 2, 29), date(2028, 6, 1)) == 7


def test_born_29_february_is_a_year_older_on_a_1_march_cutoff(cutoff_1_march):
    assert age_on_cutoff(date(2020, 2, 29), date(2026, 6, 1)) == 6
    assert age_on_cutoff(date(2020, 2, 29), date(2028, 6, 1)) == 8
    assert eligible(date(2020, 2, 29), date(2027, 2, 28))
    assert not eligible(date(2020, 2, 29), date(2027, 3, 1))


def test_max_age_follows_the_settings(settings, english):
    settings.QUEUE_MAX_AGE_YEARS = 5
    assert eligible(date(2021, 9, 1), date(2026, 9, 1))
    assert not eligible(date(2020, 9, 1), date(2026, 9, 1))
    assert age_ineligibility_reason(
        date(2020, 9, 1), date(2026, 9, 1), has_special_needs_conclusion=False
    ) == ("On 01.09.2026 the child will be 6 full years old; the queue is for children up to the age of 5.")


def test_reason_names_the_cutoff_the_age_and_the_maximum(english):
    assert age_ineligibility_reason(
        date(2019, 8, 31), date(2026, 9, 1), has_special_needs_conclusion=False
    ) == ("On 01.09.2026 the child will be 7 full years old; the queue is for children up to the age of 6.")


def test_reason_is_none_for_an_eligible_child():
    assert (
        age_ineligibility_reason(date(2020, 9, 1), date(2026, 9, 1), has_special_needs_conclusion=False)
        is None
    )


def reference_age(birth_date, on):
    """Count the birthdays passed, one by one; a missing 29 February is celebrated on the 28th."""

    def birthday(year):
        try:
            return birth_date.replace(year=year)
        except ValueError:
            return date(year, 2, 28)

    years = 0
    while birthday(birth_date.year + years + 1) <= on:
        years += 1
    return years


@given(
    birth_date=st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
    days_later=st.integers(min_value=0, max_value=40 * 366),
)
def test_age_in_full_years_agrees_with_counting_birthdays(birth_date, days_later):
    on = birth_date + datetime.timedelta(days=days_later)
    assert age_in_full_years(birth_date, on) == reference_age(birth_date, on)


@pytest.mark.parametrize(
    ("birth_date", "today", "ages_out"),
    [
        (date(2019, 10, 1), date(2026, 3, 12), date(2027, 9, 1)),  # 6 on 1.9.2026
        (date(2019, 8, 31), date(2026, 3, 12), date(2026, 9, 1)),  # 7 on 1.9.2026
        (date(2025, 12, 1), date(2026, 3, 12), date(2033, 9, 1)),  # after the cut-off
    ],
)
def test_the_day_a_child_ages_out_is_the_first_cutoff_it_is_too_old_on(birth_date, today, ages_out):
    assert ages_out_on(birth_date, today) == ages_out
    assert age_on_cutoff(birth_date, ages_out) > 6
