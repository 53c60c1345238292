"""How an application's position in one queue moved, and why, replayed from the queue's events (issue 12).

Nothing here stores a position. The queue's kept events (``QueueEvent``: who
entered, left or changed class, with the order key and the cause) are walked
back from where the entry stands now: for each event, what the entry's rank in
every class and the sizes of the three classes were before it. A position is
then the closed form of ``ordering.standing`` (RULES.md section 3) over those
numbers, so a history and the engine agree by construction, and a test replays
random event sequences to hold them to it. One enrolment at the front of a
queue is one event, whatever the length of the queue behind it.

The starting point (``selectors.history_anchor``) counts, in one statement, the
standing entries ahead of this one in each class, the classes' sizes and the
queue's last event: the events read are exactly those that statement's
snapshot had seen.
"""

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from core.dates import end_of, local_date

from . import ordering
from .models import QueueEvent

ABSENT = QueueEvent.ABSENT
CLASSES = (1, 2, 3)

#: An event is read a little before the entry joined, so that the join itself is found
#: whatever small skew the writers' clocks had; the walk stops at the join.
JOIN_MARGIN = datetime.timedelta(hours=1)

CLOSER, FURTHER = "closer", "further"


@dataclass(frozen=True)
class Anchor:
    """Where the entry stands now: entries ahead of it in each class, class sizes, the last event seen."""

    ahead: dict[int, int]
    sizes: dict[int, int]
    last_event_id: int | None


class EventRow(NamedTuple):
    """One ``QueueEvent`` as the replay reads it, for one entry (``selectors``: thousands make a year).

    ``ahead`` is worked out by the statement that reads the events: whether the
    event's entry comes before this one by the order key (submission time, then
    registration order), so the replay compares no times and the read parses
    one time a row, not two. ``entry`` (the index of the entry the row was read
    for, when one statement reads for several) and ``id`` come last, so the
    replay unpacks a row as it comes.
    """

    application_id: int
    cause: str
    old_class: int
    new_class: int
    ahead: bool
    at: datetime.datetime
    entry: int
    id: int


class Step(NamedTuple):
    """One event of the queue that concerned this entry: its own, or one that moved it.

    A named tuple, not a dataclass: a history makes one per event of a queue's
    year, thousands at the back of a large queue, and a tuple is made several
    times faster (issue 12's page, measured in ``make bench``).
    """

    at: datetime.datetime
    cause: str
    own: bool
    old_class: int
    new_class: int
    position_before: int | None
    position_after: int | None

    @property
    def direction(self) -> str | None:
        """CLOSER to the front, FURTHER from it, or None for an event that left the position as it was."""
        if self.position_before is None or self.position_after is None:
            return None
        if self.position_after < self.position_before:
            return CLOSER
        if self.position_after > self.position_before:
            return FURTHER
        return None


@dataclass
class Day:
    """One day of a history: the position at its start and end, its own events, others' by cause."""

    day: datetime.date
    position_before: int | None
    position_after: int | None
    own: list[Step] = field(default_factory=list)
    #: (cause, CLOSER or FURTHER, class after) -> how many applications' events moved this entry that way.
    others: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class Totals:
    """Over a period: how many applications ahead left or fell behind, and how many came to stand ahead."""

    closer: int
    further: int


def replay(
    *,
    application_id: int,
    benefit_class: int | None,
    anchor: Anchor,
    events: Iterable[EventRow],
) -> list[Step]:
    """The steps of this entry's history, oldest first, from its ``events`` given newest first.

    ``benefit_class`` is the entry's class now, None once it has left. Walking
    back, each event is undone: the class it left gains one, the class it
    entered loses one, in the sizes and, for an entry ``ahead`` of this one, in
    the counts ahead. Only counts change, so an event costs O(1): a few list
    updates and the closed form (``ordering.position``) over plain numbers.
    A step is made only for an event kept in the history (its own, or one that
    moved it): at the back of a large queue, a few hundred of a year's thousands.
    """
    # Indexed by class; slot ABSENT (0) takes the undo of "no class" and is never read.
    ahead = [0, *(anchor.ahead[c] for c in CLASSES)]
    sizes = [0, *(anchor.sizes[c] for c in CLASSES)]
    my_class = benefit_class
    position = _position(my_class, ahead, sizes)
    steps = []
    for event_application_id, cause, old_class, new_class, is_ahead, at, _entry, _id in events:
        # Each event's position after is the previous (later) one's position before: one closed form an event.
        after = position
        sizes[new_class] -= 1
        sizes[old_class] += 1
        own = event_application_id == application_id
        if own:
            my_class = old_class or None
        elif is_ahead:
            ahead[new_class] -= 1
            ahead[old_class] += 1
        position = _position(my_class, ahead, sizes)
        if own or (position != after and position is not None and after is not None):
            steps.append(Step(at, cause, own, old_class, new_class, position, after))
            if own and old_class == ABSENT:
                break
    steps.reverse()
    return steps


def _position(benefit_class: int | None, ahead: list[int], sizes: list[int]) -> int | None:
    if benefit_class is None:
        return None
    return ordering.position(benefit_class, ahead[benefit_class] + 1, sizes[1], sizes[2], sizes[3])


def by_day(steps: list[Step]) -> list[Day]:
    """The steps grouped by day (Asia/Almaty), newest day first.

    The steps come oldest first, so a step's day is worked out only when it falls
    outside the day of the step before: once a day instead of once a step.
    """
    days: dict[datetime.date, Day] = {}
    day, starts, ends = None, None, None
    for step in steps:
        if day is None or not starts <= step.at < ends:
            day = local_date(step.at)
            # In UTC, as the database gives ``at``: two moments of one zone compare without a conversion.
            starts = end_of(day - datetime.timedelta(days=1)).astimezone(datetime.UTC)
            ends = end_of(day).astimezone(datetime.UTC)
        if day not in days:
            days[day] = Day(day=day, position_before=step.position_before, position_after=None)
        days[day].position_after = step.position_after
        if step.own:
            days[day].own.append(step)
        else:
            days[day].others[(step.cause, step.direction, step.new_class)] += 1
    return sorted(days.values(), key=lambda d: d.day, reverse=True)


def totals(steps: list[Step], *, since: datetime.datetime) -> Totals:
    """Others' events since ``since`` that brought this entry closer to the front, or pushed it back."""
    directions = Counter(step.direction for step in steps if not step.own and step.at >= since)
    return Totals(closer=directions[CLOSER], further=directions[FURTHER])
