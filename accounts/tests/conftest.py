"""Shared set-up of the sign-in tests: fresh IINs and SMS that really leave."""

import datetime
from itertools import count

import pytest

from core.iin import Sex, synthetic_iins

# Parents nobody has registered: a birth date no factory uses, so no IIN is made twice.
_new_iins = synthetic_iins(datetime.date(1988, 3, 15), Sex.MALE)
_new_phones = count(1)


@pytest.fixture
def new_iin():
    """An IIN nobody has registered, different in every call."""
    return lambda: next(_new_iins)


@pytest.fixture
def new_phone():
    """A mobile number nobody uses, different in every call."""
    return lambda: f"+7705{next(_new_phones):07d}"


@pytest.fixture
def sending(django_capture_on_commit_callbacks):
    """A context in which SMS sent after the commit really go out (tests run inside one transaction)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
