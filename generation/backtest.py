"""The back-test of the wait estimate (issue 12 item 2): how often the stated middle half holds.

A synthetic country, in memory, from a known random process: queues of four
size bands, each month a bulletin's places given to the front of the queue
(more in September, none in August, as groups move up), new applications
(some on paper, received weeks before they are registered), withdrawals,
benefits confirmed (first-turn and out-of-turn) and expired. Every change is
recorded as the production ``QueueEvent`` would record it (``EventFact``), the
order of each queue is kept by ``queues.ordering`` exactly as the engine keeps
it, and at month 12 the PRODUCTION estimate (``queues.estimate``, the functions
``selectors.wait_estimates`` calls) is asked about a sample of waiting children
of every queue. The history then runs forward until each of them gets access,
and ``calibration`` counts how often that month fell inside the stated range.

The children followed neither withdraw nor change class: the estimate answers
"if your application stays as it is", and the test asks the same question.
Nothing touches a database. ``manage.py backtest`` (``make backtest``) prints the table.
"""

import bisect
import datetime
import math
import random
import statistics
from dataclasses import dataclass

from queues import estimate, ordering
from queues.choices import BenefitClass
from queues.choices import QueueEventCause as Cause

OUT_OF_TURN, FIRST_TURN, GENERAL = BenefitClass.OUT_OF_TURN, BenefitClass.FIRST_TURN, BenefitClass.GENERAL
START = datetime.datetime(2024, 9, 1, tzinfo=datetime.UTC)
HISTORY_MONTHS = 12
#: (label, lowest size, highest size, queues of the band): the size at month 12.
BANDS = (
    ("< 300", 60, 299, 24),
    ("300 - 2,999", 300, 2_999, 16),
    ("3,000 - 9,999", 3_000, 9_999, 12),
    ("10,000 +", 10_000, 32_000, 10),
)
SAMPLE_PER_QUEUE = 16
#: The spread of the yearly change of a queue's places (a log-normal factor): +-10 % in two years of three.
CAPACITY_CHANGE = 0.1


def _poisson(rng: random.Random, mean: float) -> int:
    return estimate.poisson(rng, mean, normal_above=50)


@dataclass
class SyntheticQueue:
    """One queue's order (per class, sorted keys) and the random process that moves it."""

    rng: random.Random
    places_per_month: float
    arrivals_per_month: float
    withdraw_rate: float
    confirm_rate: float
    out_of_turn_per_month: float
    expire_rate: float

    def __post_init__(self):
        self.classes: dict[int, list[tuple[float, int]]] = {OUT_OF_TURN: [], FIRST_TURN: [], GENERAL: []}
        self.events: list[estimate.EventFact] = []
        self.followed: set[int] = set()
        self.access: dict[int, int] = {}
        self.next_id = 1
        self.first_event_at: datetime.datetime | None = None

    # --- the order -----------------------------------------------------------------------

    def sizes(self) -> ordering.ClassSizes:
        return ordering.ClassSizes(*(len(self.classes[c]) for c in (OUT_OF_TURN, FIRST_TURN, GENERAL)))

    def class_of(self, key) -> int:
        for c, keys in self.classes.items():
            i = bisect.bisect_left(keys, key)
            if i < len(keys) and keys[i] == key:
                return c
        raise KeyError(key)

    def _record(self, cause, old, new, key, at):
        self.events.append(
            estimate.EventFact(
                cause=cause,
                old_class=old,
                new_class=new,
                submitted_at=START + datetime.timedelta(seconds=key[0]),
                at=at,
            )
        )
        if self.first_event_at is None or at < self.first_event_at:
            self.first_event_at = at

    def add(self, benefit_class, submitted, at, cause=Cause.SUBMITTED):
        key = ((submitted - START).total_seconds(), self.next_id)
        self.next_id += 1
        bisect.insort(self.classes[benefit_class], key)
        self._record(cause, estimate.ABSENT, benefit_class, key, at)
        return key

    def _remove_random(self, benefit_class, count, cause, at, to=estimate.ABSENT):
        keys = self.classes[benefit_class]
        for _ in range(count):
            candidates = len(keys)
            for _try in range(5):
                if not candidates:
                    return
                index = self.rng.randrange(candidates)
                if keys[index][1] not in self.followed:
                    break
            else:
                continue
            key = keys.pop(index)
            if to != estimate.ABSENT:
                bisect.insort(self.classes[to], key)
            self._record(cause, benefit_class, to, key, at)

    # --- one month -----------------------------------------------------------------------

    def month(self, index: int) -> None:
        rng = self.rng
        begin = START + index * estimate.MONTH

        def moment():
            return begin + rng.random() * estimate.MONTH

        calendar_month = begin.month
        season = 0.0 if calendar_month == 8 else 2.5 if calendar_month == 9 else 1.0
        for _ in range(_poisson(rng, self.arrivals_per_month)):
            at = moment()
            if rng.random() < 0.08:
                self.add(GENERAL, at - datetime.timedelta(days=rng.uniform(3, 60)), at, Cause.BACKDATED_PAPER)
            else:
                self.add(GENERAL, at, at)
        for _ in range(_poisson(rng, self.out_of_turn_per_month)):
            at = moment()
            self.add(OUT_OF_TURN, at - datetime.timedelta(days=rng.uniform(0, 5)), at)
        sizes = self.sizes()
        self._remove_random(
            GENERAL,
            _poisson(rng, sizes.general * self.confirm_rate),
            Cause.BENEFIT_CONFIRMED,
            moment(),
            FIRST_TURN,
        )
        self._remove_random(
            FIRST_TURN,
            _poisson(rng, sizes.first_turn * self.expire_rate),
            Cause.BENEFIT_EXPIRED,
            moment(),
            GENERAL,
        )
        for c in (OUT_OF_TURN, FIRST_TURN, GENERAL):
            self._remove_random(
                c, _poisson(rng, len(self.classes[c]) * self.withdraw_rate), Cause.WITHDRAWN, moment()
            )
        if index % 12 == 0 and index:
            # Each year the kindergartens' capacity changes a little: a new one opens, a group closes.
            self.places_per_month *= math.exp(rng.gauss(0.0, CAPACITY_CHANGE))
        places = _poisson(rng, self.places_per_month * season)
        if places:
            at = moment()
            window = ordering.page_window(0, places, self.sizes())
            for c, count in (
                (OUT_OF_TURN, window.out_of_turn_count),
                (FIRST_TURN, window.first_turn_count),
                (GENERAL, window.general_count),
            ):
                taken = self.classes[c][:count]
                del self.classes[c][:count]
                for key in taken:
                    self._record(Cause.ENROLLED, c, estimate.ABSENT, key, at)
                    if key[1] in self.followed:
                        self.access[key[1]] = (at - START) / estimate.MONTH

    def standing(self, key) -> tuple[int, int]:
        c = self.class_of(key)
        return c, bisect.bisect_left(self.classes[c], key) + 1


def make_queue(rng: random.Random, size: int) -> SyntheticQueue:
    """A queue that will hold about ``size`` children at month 12, with its own rates."""
    turnover_months = rng.uniform(14, 40)
    places = size / turnover_months
    queue = SyntheticQueue(
        rng=rng,
        places_per_month=places,
        arrivals_per_month=places * rng.uniform(0.9, 1.3) + size * 0.015,
        withdraw_rate=rng.uniform(0.005, 0.02),
        confirm_rate=rng.uniform(0.001, 0.006),
        out_of_turn_per_month=places * rng.uniform(0.01, 0.06),
        expire_rate=rng.uniform(0.0, 0.02),
    )
    # The queue as the recorded history begins: applications submitted over the two years before.
    for _ in range(size):
        submitted = START - datetime.timedelta(days=rng.uniform(0, 730))
        roll = rng.random()
        benefit_class = OUT_OF_TURN if roll < 0.01 else FIRST_TURN if roll < 0.13 else GENERAL
        key = ((submitted - START).total_seconds(), queue.next_id)
        queue.next_id += 1
        bisect.insort(queue.classes[benefit_class], key)
    return queue


@dataclass(frozen=True)
class Outcome:
    """One followed child: the band of its queue, what was estimated at month 12, and what happened."""

    band: str
    estimate: estimate.Estimate
    access: float | None  # months after month 12, None: not within the run


def calibration(outcomes: list[Outcome]) -> list[dict]:
    """Per band: how many estimates; the share of real access times inside, before and after the
    middle half (the 25th to 75th percentile); the share inside the whole months a parent is shown
    (``low_months`` to ``high_months``); the median error (real time less the median outcome), in months.

    An estimate whose upper bound lies past the horizon covers every later time;
    "not enough history" is counted apart.
    """
    rows = []
    for band in dict.fromkeys(outcome.band for outcome in outcomes):
        inside = before = after = shown = no_estimate = 0
        errors = []
        for outcome in (o for o in outcomes if o.band == band):
            found = outcome.estimate
            if not found.enough_history or found.low is None:
                no_estimate += 1
                continue
            real = outcome.access if outcome.access is not None else estimate.HORIZON_MONTHS + 1.0
            high = found.high if found.high is not None else math.inf
            if real < found.low:
                before += 1
            elif real > high:
                after += 1
            else:
                inside += 1
            shown_high = found.high_months if found.high_months is not None else math.inf
            shown += found.low_months <= real <= shown_high
            if found.median is not None:
                errors.append(abs(real - found.median))
        estimated = inside + before + after
        rows.append(
            {
                "band": band,
                "estimates": estimated,
                "no_estimate": no_estimate,
                "inside": inside / estimated if estimated else 0.0,
                "before": before / estimated if estimated else 0.0,
                "after": after / estimated if estimated else 0.0,
                "inside_shown": shown / estimated if estimated else 0.0,
                "median_error": statistics.median(errors) if errors else None,
            }
        )
    return rows


def run(*, seed: int = 12) -> list[Outcome]:
    """The whole back-test: the country, the estimates at month 12, the history run forward."""
    rng = random.Random(seed)  # noqa: S311 - a synthetic country, reproducible by its seed
    outcomes = []
    for label, low, high, count in BANDS:
        for _ in range(count):
            size = round(math.exp(rng.uniform(math.log(low), math.log(high))))
            queue = make_queue(random.Random(rng.random()), size)  # noqa: S311
            for index in range(HISTORY_MONTHS):
                queue.month(index)
            now = START + HISTORY_MONTHS * estimate.MONTH
            sizes = queue.sizes()
            flows = estimate.monthly_flows(
                queue.events, sizes_now=sizes, now=now, first_event_at=queue.first_event_at
            )
            futures = estimate.simulate(flows, seed=rng.randrange(2**32))
            followed = []
            standing = [key for c in (FIRST_TURN, GENERAL) for key in queue.classes[c]]
            for key in rng.sample(standing, min(SAMPLE_PER_QUEUE, len(standing))):
                benefit_class, rank = queue.standing(key)
                waited = (now - START).total_seconds() / estimate.DAY_SECONDS - key[0] / estimate.DAY_SECONDS
                found = estimate.estimate(
                    futures, benefit_class=benefit_class, rank_in_class=rank, waited_days=waited
                )
                queue.followed.add(key[1])
                followed.append((key, found))
            index = HISTORY_MONTHS
            while len(queue.access) < len(followed) and index < HISTORY_MONTHS + estimate.HORIZON_MONTHS:
                queue.month(index)
                index += 1
            for key, found in followed:
                at = queue.access.get(key[1])
                outcomes.append(
                    Outcome(band=label, estimate=found, access=None if at is None else at - HISTORY_MONTHS)
                )
    return outcomes


def table(rows: list[dict]) -> str:
    """The calibration table as printed by ``make backtest`` and copied into docs/estimates.md."""
    lines = [
        "| queue size at month 12 | estimates | inside the middle half | before | after "
        "| inside the whole months shown | median error, months |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        error = "-" if row["median_error"] is None else f"{row['median_error']:.1f}"
        lines.append(
            f"| {row['band']} | {row['estimates']} | {row['inside']:.0%} | {row['before']:.0%} "
            f"| {row['after']:.0%} | {row['inside_shown']:.0%} | {error} |"
        )
    return "\n".join(lines)
