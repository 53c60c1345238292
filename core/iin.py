"""The Kazakh individual identification number (IIN) of a child or an applicant.

RULES.md section 6: the child's IIN is validated and must agree with the birth
date and sex on the application. The IIN carries both: digits 1-6 are the birth
date YYMMDD, digit 7 the century and sex, digits 8-11 a serial, digit 12 a check
digit. Reading them here, in one place, lets forms, the API and the services
refuse the same numbers with the same messages and codes.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .dates import format_date

IIN_LENGTH = 12
SERIAL_MAX = 9999

#: An IIN as far as a pattern can tell, for contracts (the API's schema): 12 digits, a month and a day
#: that exist in some year, and a 7th digit (century and sex) from 1 to 6. ``parse_iin`` refuses
#: everything it refuses, and more (30 February, the check digit).
IIN_PATTERN = r"^[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[1-6][0-9]{5}$"

_IIN_PATTERN = re.compile(r"[0-9]{12}")
_FIRST_ELEVEN_PATTERN = re.compile(r"[0-9]{11}")
_FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

# Digit 7: (first year of the century, sex). RULES.md section 6.
_CENTURY_DIGITS = {
    1: (1800, "male"),
    2: (1800, "female"),
    3: (1900, "male"),
    4: (1900, "female"),
    5: (2000, "male"),
    6: (2000, "female"),
}


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


@dataclass(frozen=True)
class IinInfo:
    """What an IIN says about its holder."""

    birth_date: datetime.date
    sex: Sex


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit an IIN with these first 11 digits must have, or None if no such IIN exists.

    RULES.md section 6: the weighted sum with weights 1..11, modulo 11; a result
    of 10 is not a digit, so the sum is taken again with weights 3..11, 1, 2; if
    that is 10 as well, no IIN begins with these digits.
    """
    if not _FIRST_ELEVEN_PATTERN.fullmatch(first_eleven):
        raise ValueError(f"Expected 11 digits, got {first_eleven!r}.")
    digits = [int(digit) for digit in first_eleven]
    for weights in (_FIRST_WEIGHTS, _SECOND_WEIGHTS):
        remainder = sum(weight * digit for weight, digit in zip(weights, digits, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def parse_iin(value: str) -> IinInfo:
    """Read the birth date and sex out of an IIN, refusing any number that cannot exist.

    Only surrounding whitespace is forgiven (a pasted number often carries it);
    spaces or dashes inside, letters and non-ASCII digits are refused, so the
    stored value is always the bare 12 digits. Each failure has its own code so
    that the API can tell a typo in the check digit from a wrong format.
    """
    iin = value.strip() if isinstance(value, str) else ""
    if not _IIN_PATTERN.fullmatch(iin):
        raise ValidationError(_("An IIN must be exactly 12 digits."), code="iin_format")

    century_digit = int(iin[6])
    if century_digit not in _CENTURY_DIGITS:
        raise ValidationError(
            _("The 7th digit of an IIN (century and sex) must be from 1 to 6."), code="iin_century"
        )
    century, sex = _CENTURY_DIGITS[century_digit]

    try:
        birth_date = datetime.date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        raise ValidationError(
            _("The first six digits of the IIN are not a real birth date (YYMMDD)."),
            code="iin_birth_date",
        ) from None

    if check_digit(iin[:11]) != int(iin[11]):
        raise ValidationError(
            _("This IIN does not exist: its last (check) digit does not fit. Please look for a typo."),
            code="iin_checksum",
        )

    return IinInfo(birth_date=birth_date, sex=Sex(sex))


def validate_iin(value: str) -> None:
    """Model and form field validator: the value is a valid IIN (RULES.md section 6)."""
    parse_iin(value)


def check_iin_matches(iin: str, *, birth_date: datetime.date | None, sex: Sex | str | None) -> None:
    """Refuse an application whose birth date or sex disagree with the child's IIN.

    RULES.md section 6: the IIN must agree with the birth date and sex. Errors
    are keyed by field so a form shows each next to its input; a birth date or
    sex of None (already refused by its own field) is not compared. An invalid
    IIN is reported under "iin".
    """
    try:
        info = parse_iin(iin)
    except ValidationError as error:
        raise ValidationError({"iin": error}) from None

    errors: dict[str, ValidationError] = {}
    if birth_date is not None and birth_date != info.birth_date:
        errors["birth_date"] = ValidationError(
            _("The birth date does not match the IIN: the IIN says %(date)s."),
            code="iin_birth_date_mismatch",
            params={"date": format_date(info.birth_date)},
        )
    if sex is not None and sex != info.sex:
        errors["sex"] = ValidationError(
            _("The sex does not match the IIN: the IIN says %(sex)s."),
            code="iin_sex_mismatch",
            params={"sex": info.sex.label},
        )
    if errors:
        raise ValidationError(errors)


def make_iin(birth_date: datetime.date, sex: Sex | str, serial: int) -> str:
    """A synthetic valid IIN for test factories and demo data, never a real person's.

    RULES.md section 6 forbids real IINs in fixtures. Raises ValueError when the
    birth date is outside 1800-2099, the serial outside 0..9999, or no check
    digit exists for this serial (then try the next one, or use synthetic_iins).
    """
    first_eleven = _first_eleven(birth_date, sex, serial)
    digit = check_digit(first_eleven)
    if digit is None:
        raise ValueError(f"No IIN exists with serial {serial} for this birth date and sex.")
    return f"{first_eleven}{digit}"


def synthetic_iins(birth_date: datetime.date, sex: Sex | str, start: int = 0) -> Iterator[str]:
    """Distinct synthetic valid IINs for one birth date and sex, serial by serial from ``start``.

    Serials that have no check digit are skipped; the supply ends after serial 9999.
    A birth date no IIN can hold raises ValueError, as in make_iin.
    """
    for serial in range(start, SERIAL_MAX + 1):
        first_eleven = _first_eleven(birth_date, sex, serial)
        digit = check_digit(first_eleven)
        if digit is not None:
            yield f"{first_eleven}{digit}"


def _first_eleven(birth_date: datetime.date, sex: Sex | str, serial: int) -> str:
    if not 0 <= serial <= SERIAL_MAX:
        raise ValueError(f"The serial must be from 0 to {SERIAL_MAX}, got {serial}.")
    key = (birth_date.year // 100 * 100, Sex(sex).value)
    century_digit = next((digit for digit, value in _CENTURY_DIGITS.items() if value == key), None)
    if century_digit is None:
        raise ValueError(f"An IIN cannot hold a birth date in {birth_date.year}.")
    yymmdd = f"{birth_date.year % 100:02d}{birth_date.month:02d}{birth_date.day:02d}"
    return f"{yymmdd}{century_digit}{serial:04d}"
