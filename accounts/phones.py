"""Kazakh mobile numbers: how people write them, and the one form we store (``+77011234567``)."""

import re

from django.core.exceptions import ValidationError

from .models import phone_validator

_PHONE_NOISE = re.compile(r"[\s()\-.]")


def normalise_phone(value: str) -> str:
    """A Kazakh mobile number as stored, ``+77011234567``, from the ways people write it.

    ``8 701 123 45 67``, ``+7 (701) 123-45-67`` and ``87011234567`` all mean
    the same number; whatever is not one of them is left for the validator to refuse.
    """
    digits = _PHONE_NOISE.sub("", value or "")
    if re.fullmatch(r"8\d{10}", digits):
        return "+7" + digits[1:]
    if re.fullmatch(r"7\d{10}", digits):
        return "+" + digits
    return digits


def valid_phone(value: str) -> str | None:
    """The number normalised, or None when it is not a Kazakh mobile number."""
    phone = normalise_phone(value if isinstance(value, str) else "")
    try:
        phone_validator(phone)
    except ValidationError:
        return None
    return phone
