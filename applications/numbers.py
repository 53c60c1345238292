"""Application numbers: ten digits, read out on the phone, hard to guess, with a check digit.

Random rather than sequential, so that the public position check (which needs
only the number) cannot be walked through; the last digit is a Luhn check digit
so that a digit misheard on the phone gives "no such number" instead of another child.
"""

import secrets

BODY_DIGITS = 9


def luhn_check_digit(body: str) -> int:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def new_number() -> str:
    body = str(secrets.randbelow(9 * 10**8) + 10**8)
    return body + str(luhn_check_digit(body))


def normalise(text: str) -> str | None:
    """The stored form of a number typed by a person (spaces and dashes allowed), or None if malformed."""
    digits = "".join(char for char in text if char not in " -")
    if len(digits) != BODY_DIGITS + 1 or not digits.isdigit():
        return None
    if luhn_check_digit(digits[:BODY_DIGITS]) != int(digits[-1]):
        return None
    return digits
