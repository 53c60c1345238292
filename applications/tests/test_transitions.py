"""Every status move is listed once, and docs/state-machines.md draws exactly those moves."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings

from applications.choices import ACTIVE_STATUSES, Status
from applications.errors import InvalidTransition
from applications.models import Application
from applications.transitions import ALLOWED, transition

NOW = datetime.datetime(2026, 11, 25, 6, 0, tzinfo=datetime.UTC)


def diagram_moves() -> set[tuple[str, str]]:
    text = (Path(settings.BASE_DIR) / "docs" / "state-machines.md").read_text()
    application_section = text.split("## Application", 1)[1].split("## Benefit document", 1)[0]
    return {
        (source, target)
        for source, target in re.findall(r"^\s+(\w+) --> (\w+)", application_section, flags=re.MULTILINE)
        if source != "[*]" and target != "[*]"
    }


def test_the_diagram_shows_exactly_the_allowed_moves():
    allowed = {(source, target) for source, targets in ALLOWED.items() for target in targets}
    assert diagram_moves() == allowed


def test_every_status_has_its_moves_listed():
    assert set(ALLOWED) == set(Status.values)


def test_final_statuses_are_not_active_and_lead_nowhere():
    for status in Status:
        assert (not ALLOWED[status]) == (status not in ACTIVE_STATUSES)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.WITHDRAWN, Status.IN_QUEUE),
        (Status.ENROLLED, Status.WITHDRAWN),
        (Status.IN_QUEUE, Status.ENROLLED),
    ],
)
def test_a_move_not_listed_is_refused(current, target):
    application = Application(status=current)
    with pytest.raises(InvalidTransition):
        transition(application, target, now=NOW)
    assert application.status == current
