"""The world most placement tests start from: four children waiting, a bulletin of two places, access open."""

import pytest

from bulletins import services as bulletin_services
from bulletins.tests.factories import (
    MONDAY_14_DECEMBER,
    at,
    group_in,
    kindergarten_staff,
    published_bulletin,
    waiting,
)


@pytest.fixture(autouse=True)
def _english(english):
    """Error messages and notices are read in English, the message ids."""


@pytest.fixture
def group(kindergarten_a):
    return group_in(kindergarten_a)


@pytest.fixture
def staff(kindergarten_a):
    """Staff of kindergarten A, whose groups the bulletins offer."""
    return kindergarten_staff(kindergarten_a)


@pytest.fixture
def waiting_four(settlement_a):
    """G1..G4, general, submitted in that order in November."""
    return waiting(settlement_a, 4, first=at(2, month=11))


@pytest.fixture
def bulletin(waiting_four, specialist_a, group):
    """Two places published on Monday 14 December 2026; G1 and G2 hold access until the end of 18 December."""
    bulletin = published_bulletin(specialist_a, {group: 2}, now=MONDAY_14_DECEMBER)
    bulletin_services.open_access(bulletin_id=bulletin.pk, now=MONDAY_14_DECEMBER)
    return bulletin


@pytest.fixture
def place(bulletin):
    return bulletin.places.get()
