"""Referral and access statuses move only as docs/state-machines.md draws them."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings

from applications.errors import InvalidTransition
from bulletins.choices import AccessStatus
from bulletins.models import Access
from bulletins.transitions import ALLOWED as ACCESS_MOVES
from bulletins.transitions import transition as transition_access
from placements.choices import ReferralStatus
from placements.models import Referral
from placements.transitions import ALLOWED as REFERRAL_MOVES
from placements.transitions import transition as transition_referral

NOW = datetime.datetime(2026, 12, 14, 5, 0, tzinfo=datetime.UTC)


def diagram_moves(section: str) -> set[tuple[str, str]]:
    text = (Path(settings.BASE_DIR) / "docs" / "state-machines.md").read_text()
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return {
        (source, target)
        for source, target in re.findall(r"^\s+(\w+) --> (\w+)", body, flags=re.MULTILINE)
        if source != "[*]" and target != "[*]"
    }


@pytest.mark.parametrize(
    ("section", "allowed", "statuses"),
    [("Access", ACCESS_MOVES, AccessStatus), ("Referral", REFERRAL_MOVES, ReferralStatus)],
)
def test_the_diagram_shows_exactly_the_allowed_moves(section, allowed, statuses):
    assert set(allowed) == set(statuses.values)
    assert diagram_moves(section) == {
        (source, target) for source, targets in allowed.items() for target in targets
    }


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (ReferralStatus.ANNULLED, ReferralStatus.ISSUED),
        (ReferralStatus.ENROLLED, ReferralStatus.ANNULLED),
        (ReferralStatus.AWAITING_CONFIRMATION, ReferralStatus.ENROLLED),
        (ReferralStatus.CANCELLED, ReferralStatus.ISSUED),
    ],
)
def test_a_referral_move_not_listed_is_refused(current, target):
    referral = Referral(status=current)
    with pytest.raises(InvalidTransition):
        transition_referral(referral, target, now=NOW)
    assert referral.status == current


def test_an_access_that_ended_cannot_open_again():
    access = Access(status=AccessStatus.ENDED)
    with pytest.raises(InvalidTransition):
        transition_access(access, AccessStatus.OPEN, now=NOW)
