"""The IIN rules of RULES.md section 6, on the synthetic examples given there."""

import contextlib
import datetime
import itertools
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import assume, given
from hypothesis import strategies as st

from core.iin import (
    IIN_PATTERN,
    IinInfo,
    Sex,
    check_digit,
    check_iin_matches,
    make_iin,
    parse_iin,
    synthetic_iins,
)

FIRST_WEIGHTS = range(1, 12)
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def weighted_remainder(first_eleven: str, weights) -> int:
    return sum(weight * int(digit) for weight, digit in zip(weights, first_eleven, strict=True)) % 11


def error_code(value: str) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_iin(value)
    return caught.value.code


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("iin", "birth_date", "sex"),
    [
        ("210315600015", datetime.date(2021, 3, 15), Sex.FEMALE),
        ("210315500029", datetime.date(2021, 3, 15), Sex.MALE),
        ("221109500033", datetime.date(2022, 11, 9), Sex.MALE),
        ("200229600046", datetime.date(2020, 2, 29), Sex.FEMALE),
        ("210315600603", datetime.date(2021, 3, 15), Sex.FEMALE),
    ],
)
def test_synthetic_examples_give_their_birth_date_and_sex(iin, birth_date, sex):
    assert parse_iin(iin) == IinInfo(birth_date=birth_date, sex=sex)


def test_check_digit_takes_the_second_weights_when_the_first_pass_gives_ten():
    assert weighted_remainder("21031560060", FIRST_WEIGHTS) == 10
    assert weighted_remainder("21031560060", SECOND_WEIGHTS) == 3
    assert check_digit("21031560060") == 3


def test_check_digit_takes_the_first_weights_when_they_give_a_digit():
    assert weighted_remainder("21031560001", FIRST_WEIGHTS) == 5
    assert check_digit("21031560001") == 5


def test_surrounding_whitespace_is_forgiven():
    assert parse_iin(" 210315600015\n").birth_date == datetime.date(2021, 3, 15)


@pytest.mark.parametrize("last_digit", [d for d in "0123456789" if d != "5"])
def test_wrong_check_digit_is_refused(last_digit):
    assert error_code(f"21031560001{last_digit}") == "iin_checksum"


def test_number_whose_second_pass_also_gives_ten_is_refused_whatever_its_last_digit():
    first_eleven = next(
        prefix
        for prefix in (f"2103155{serial:04d}" for serial in range(10000))
        if weighted_remainder(prefix, FIRST_WEIGHTS) == 10
        and weighted_remainder(prefix, SECOND_WEIGHTS) == 10
    )
    assert check_digit(first_eleven) is None
    for last_digit in "0123456789":
        assert error_code(first_eleven + last_digit) == "iin_checksum"


@pytest.mark.parametrize(
    "value",
    [
        "21031560001",
        "2103156000155",
        "",
        "21031560001a",
        "2103-1560001",
        "210315 600015",
        "21031560001\uff15",  # a full-width digit
        "\u0406\u0406\u041d210315600",  # Cyrillic letters
    ],
)
def test_anything_but_twelve_ascii_digits_is_refused_as_format(value):
    assert error_code(value) == "iin_format"


@pytest.mark.parametrize("century_digit", "0789")
def test_century_digit_outside_one_to_six_is_refused(century_digit):
    assert error_code(f"210315{century_digit}00015") == "iin_century"


@pytest.mark.parametrize(
    "first_seven",
    [
        "2102305",  # 30 February
        "2102295",  # 29 February 2021, not a leap year
        "0002293",  # 29 February 1900, not a leap year
        "2113015",  # month 13
        "2100015",  # month 0
        "2104005",  # day 0
        "2104315",  # 31 April
    ],
)
def test_digits_that_are_no_real_date_in_their_century_are_refused(first_seven):
    assert error_code(f"{first_seven}00010") == "iin_birth_date"


def test_29_february_2000_is_a_real_date():
    assert parse_iin(make_iin(datetime.date(2000, 2, 29), Sex.MALE, 1)).birth_date == datetime.date(
        2000, 2, 29
    )


def test_century_digit_gives_the_century_and_sex():
    assert parse_iin(make_iin(datetime.date(1850, 1, 1), Sex.MALE, 1)).birth_date.year == 1850
    assert parse_iin(make_iin(datetime.date(1999, 1, 1), Sex.FEMALE, 1)) == IinInfo(
        birth_date=datetime.date(1999, 1, 1), sex=Sex.FEMALE
    )


def test_check_iin_matches_accepts_the_birth_date_and_sex_of_the_iin():
    check_iin_matches("210315600015", birth_date=datetime.date(2021, 3, 15), sex=Sex.FEMALE)
    check_iin_matches("210315500029", birth_date=datetime.date(2021, 3, 15), sex="male")


def test_check_iin_matches_refuses_another_birth_date_under_birth_date(english):
    with pytest.raises(ValidationError) as caught:
        check_iin_matches("210315600015", birth_date=datetime.date(2021, 3, 16), sex=Sex.FEMALE)
    errors = caught.value.error_dict
    assert set(errors) == {"birth_date"}
    assert errors["birth_date"][0].code == "iin_birth_date_mismatch"
    assert caught.value.message_dict["birth_date"] == [
        "The birth date does not match the IIN: the IIN says 15.03.2021."
    ]


def test_check_iin_matches_refuses_another_sex_under_sex(english):
    with pytest.raises(ValidationError) as caught:
        check_iin_matches("210315600015", birth_date=datetime.date(2021, 3, 15), sex=Sex.MALE)
    errors = caught.value.error_dict
    assert set(errors) == {"sex"}
    assert errors["sex"][0].code == "iin_sex_mismatch"
    assert caught.value.message_dict["sex"] == ["The sex does not match the IIN: the IIN says Female."]


def test_check_iin_matches_reports_both_mismatches_at_once():
    with pytest.raises(ValidationError) as caught:
        check_iin_matches("210315600015", birth_date=datetime.date(2020, 3, 15), sex=Sex.MALE)
    assert set(caught.value.error_dict) == {"birth_date", "sex"}


def test_check_iin_matches_skips_fields_that_are_missing():
    check_iin_matches("210315600015", birth_date=None, sex=None)


def test_check_iin_matches_reports_an_invalid_iin_under_iin():
    with pytest.raises(ValidationError) as caught:
        check_iin_matches("210315600016", birth_date=datetime.date(2021, 3, 15), sex=Sex.FEMALE)
    assert set(caught.value.error_dict) == {"iin"}
    assert caught.value.error_dict["iin"][0].code == "iin_checksum"


def test_make_iin_refuses_a_serial_without_a_check_digit():
    birth_date = datetime.date(2021, 3, 15)
    impossible = next(serial for serial in range(10000) if check_digit(f"2103155{serial:04d}") is None)
    with pytest.raises(ValueError, match="No IIN exists"):
        make_iin(birth_date, Sex.MALE, impossible)


@pytest.mark.parametrize("serial", [-1, 10000])
def test_make_iin_refuses_a_serial_outside_four_digits(serial):
    with pytest.raises(ValueError, match="serial must be from 0 to 9999"):
        make_iin(datetime.date(2021, 3, 15), Sex.MALE, serial)


def test_make_iin_refuses_a_birth_date_no_century_digit_holds():
    with pytest.raises(ValueError, match="cannot hold a birth date in 2100"):
        make_iin(datetime.date(2100, 1, 1), Sex.MALE, 1)


def test_synthetic_iins_are_distinct_valid_and_skip_impossible_serials():
    birth_date = datetime.date(2021, 3, 15)
    iins = list(synthetic_iins(birth_date, Sex.MALE))
    assert len(iins) == len(set(iins))
    assert all(parse_iin(iin) == IinInfo(birth_date=birth_date, sex=Sex.MALE) for iin in iins)
    assert (
        len(iins) == sum(check_digit(f"2103155{serial:04d}") is not None for serial in range(10000)) < 10000
    )
    assert [iin[7:11] for iin in itertools.islice(synthetic_iins(birth_date, Sex.MALE, start=2), 2)] == [
        "0002",
        "0003",
    ]


@given(
    birth_date=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2099, 12, 31)),
    sex=st.sampled_from(Sex),
    serial=st.integers(min_value=0, max_value=9999),
)
def test_make_iin_round_trips_through_parse_iin(birth_date, sex, serial):
    try:
        iin = make_iin(birth_date, sex, serial)
    except ValueError:
        assume(False)
    assert parse_iin(iin) == IinInfo(birth_date=birth_date, sex=sex)
    assert iin[7:11] == f"{serial:04d}"


@given(value=st.one_of(st.text(), st.from_regex(r"\s*[0-9]{12}\s*", fullmatch=True)))
def test_parse_iin_raises_nothing_but_validation_error(value):
    with contextlib.suppress(ValidationError):
        parse_iin(value)


@given(st.from_regex(r"\A[0-9]{12}\Z"))
def test_the_contracts_pattern_refuses_only_numbers_parse_iin_refuses(iin):
    if re.fullmatch(IIN_PATTERN, iin) is None:
        with pytest.raises(ValidationError):
            parse_iin(iin)


@given(st.dates(datetime.date(1800, 1, 1), datetime.date(2099, 12, 31)), st.sampled_from(Sex.values))
def test_every_iin_that_exists_matches_the_contracts_pattern(birth_date, sex):
    assert re.fullmatch(IIN_PATTERN, next(synthetic_iins(birth_date, sex)))


@pytest.mark.parametrize(
    "iin", ["210315000015", "210315700015", "211315600015", "210300600015", "21031560001"]
)
def test_the_contracts_pattern_refuses_a_century_digit_month_or_day_that_cannot_exist(iin):
    assert re.fullmatch(IIN_PATTERN, iin) is None
