"""When access may open to an entry: a resampled forecast from its queue's own recorded history (issue 12).

Pure: no database, no Django models; ``selectors.wait_estimates`` feeds it, and
``generation.backtest`` runs the very same functions on a synthetic country to
show how often the stated range holds (docs/estimates.md).

Why here, from ``QueueEvent`` only. The layers put ``queues`` below
``bulletins`` (openings) and ``placements`` (referrals), so it may not read
them; and it need not: a place given is a child leaving the queue with the
cause ``enrolled``, which ``QueueEvent`` already records once per child, in the
same transaction as the queue's change. An opening declined or a referral
annulled gives no place and moves nobody, so counting enrolments counts exactly
the places that moved the front of the queue. Putting the estimate in
``placements`` instead would give it the openings but split the queue's order
from the queue's flow; ``queues`` keeps both, beside ``ordering``, whose
arithmetic the simulation calls for every position it needs.

The method (docs/estimates.md, "Method"):

1. ``monthly_flows`` cuts the queue's events of the last 12 months into 12
   spans of a month back from now: the places given (enrolments), the other
   departures as a share of the queue (withdrawn, aged out, duplicate, kind
   dropped), and the entries that came into or went out of each class, each
   with its lag, the time from its submission to the event.
2. ``estimate`` simulates the entry's future ``RUNS`` times. Each simulated
   month is one of those recorded months drawn at random (a bootstrap of
   months). In it, arrivals into the entry's class stand ahead when their
   submission, the month's time less their lag, is earlier than the entry's; an
   arrival into another class changes the class sizes, and ``ordering.standing``
   turns them into the position (the one-in-three merge included); other
   departures take the same share of those ahead as of the queue; then the
   month's places go to the front of the queue: if the entry's position is
   within them, access opens that month, else ``ordering.page_window`` says
   how many of each class those places took.
3. The answer is the middle half (25th to 75th percentile) of the months in
   which access opened: completed outcomes, never the mean wait of those still
   waiting. A run that reaches no access within ``HORIZON_MONTHS`` counts as
   later than that.

Deterministic given ``seed``.
"""

import bisect
import datetime
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass

from . import ordering
from .choices import BenefitClass
from .choices import QueueEventCause as Cause

ABSENT = 0
CLASSES = (BenefitClass.OUT_OF_TURN, BenefitClass.FIRST_TURN, BenefitClass.GENERAL)
#: The length of a month of history and of the simulation: a twelfth of an average year.
MONTH = datetime.timedelta(days=365.2425 / 12)
DAY_SECONDS = 86400.0
#: The history read: the last 12 months of the queue.
WINDOW_MONTHS = 12
#: Below this many months of recorded history, or this many places given in them, no estimate is given.
MIN_MONTHS = 6
MIN_PLACES = 3
#: Simulated futures per estimate, and the furthest month simulated (a child ages out long before).
RUNS = 200
HORIZON_MONTHS = 96
LOW_QUANTILE, HIGH_QUANTILE = 0.25, 0.75
#: With a whole year recorded, a simulated month is drawn from the same month a year before or one of
#: this many months either side of it: the seasons stay (no bulletin in August, many in September).
SEASON_SPREAD = 0
#: How much a queue's places change from one year to the next (the spread of a log-normal factor):
#: kindergartens open, groups close. An assumption (docs/estimates.md), not read from one year of history.
YEARLY_CHANGE = 0.1


@dataclass(frozen=True)
class EventFact:
    """What the estimate needs of one ``QueueEvent``."""

    cause: str
    old_class: int
    new_class: int
    submitted_at: datetime.datetime
    at: datetime.datetime


@dataclass(frozen=True)
class MonthFlow:
    """One recorded month of a queue.

    ``into`` and ``out_of`` hold, for each class (index class - 1), the sorted
    lags in days (event time less submission time) of the entries that joined
    that class (new, or from another class) or left it for another class.
    """

    given: int
    leave_rate: float
    into: tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]
    out_of: tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]


@dataclass(frozen=True)
class Flows:
    """A queue's recorded months (newest first) and the places given in them."""

    months: tuple[MonthFlow, ...]

    @property
    def places_given(self) -> int:
        return sum(month.given for month in self.months)


@dataclass(frozen=True)
class Estimate:
    """When access is likely to open, in months from now, or why it cannot be said.

    ``low``, ``median`` and ``high`` are the 25th, 50th and 75th percentiles of
    the simulated outcomes, in months; None past the horizon. A parent is shown
    whole months that hold the middle half: ``low_months`` (rounded down) to
    ``high_months`` (rounded up). ``enough_history`` False: nothing is given.
    """

    places_given: int
    months_of_history: int
    enough_history: bool
    low: float | None = None
    median: float | None = None
    high: float | None = None

    @property
    def low_months(self) -> int | None:
        return None if self.low is None else math.floor(self.low)

    @property
    def high_months(self) -> int | None:
        if self.high is None:
            return None
        return max(math.ceil(self.high), self.low_months + 1)


def _lag_days(fact: EventFact) -> float:
    return (fact.at - fact.submitted_at).total_seconds() / DAY_SECONDS


def monthly_flows(
    facts: Iterable[EventFact],
    *,
    sizes_now: ordering.ClassSizes,
    now: datetime.datetime,
    first_event_at: datetime.datetime | None,
) -> Flows:
    """The queue's last 12 months (newest first) from its events, walking back from ``sizes_now``.

    Only whole months since the queue's first recorded event count: a queue
    recorded for four months has four, whatever the window.
    """
    covered = 0 if first_event_at is None else min(WINDOW_MONTHS, round((now - first_event_at) / MONTH))
    if covered <= 0:
        return Flows(months=())
    start = now - covered * MONTH
    given = [0] * covered
    leaves = [0] * covered
    size_at_end: list[int | None] = [None] * covered
    into = [[[], [], []] for _ in range(covered)]
    out_of = [[[], [], []] for _ in range(covered)]
    size = sizes_now.total
    for fact in sorted(facts, key=lambda f: f.at, reverse=True):
        if not start <= fact.at <= now:
            if fact.at > now:
                continue
            break
        month = min(covered - 1, int((now - fact.at) / MONTH))
        if size_at_end[month] is None:
            size_at_end[month] = size
        lag = _lag_days(fact)
        if fact.new_class == ABSENT:
            if fact.cause == Cause.ENROLLED:
                given[month] += 1
            else:
                leaves[month] += 1
            size += 1
        else:
            into[month][fact.new_class - 1].append(lag)
            if fact.old_class == ABSENT:
                size -= 1
            else:
                out_of[month][fact.old_class - 1].append(lag)
    months = []
    for month in range(covered):
        end_size = size_at_end[month] if size_at_end[month] is not None else size
        rate = leaves[month] / (end_size + leaves[month]) if end_size + leaves[month] else 0.0
        months.append(
            MonthFlow(
                given=given[month],
                leave_rate=rate,
                into=tuple(tuple(sorted(lags)) for lags in into[month]),
                out_of=tuple(tuple(sorted(lags)) for lags in out_of[month]),
            )
        )
    return Flows(months=tuple(months))


def poisson(rng: random.Random, mean: float, *, normal_above: float = 30) -> int:
    """A Poisson count of ``mean``: the places of a month vary around the month recorded.

    Above ``normal_above`` it is drawn from its normal approximation; the back-test
    (``generation.backtest``) draws its known process with this sampler too.
    """
    if mean <= 0:
        return 0
    if mean > normal_above:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _later_than(lags: tuple[float, ...], threshold: float) -> int:
    """How many lags exceed ``threshold``: arrivals submitted before the entry."""
    return len(lags) - bisect.bisect_right(lags, threshold)


def access_time(
    *,
    flows: Flows,
    benefit_class: int,
    rank_in_class: int,
    sizes: ordering.ClassSizes,
    waited_days: float,
    rng: random.Random,
) -> float | None:
    """One simulated future: in how many months from now access opens, None past the horizon.

    ``waited_days``: from the entry's submission to now, so that an arrival of
    lag L in simulated month k stands ahead in its class when L > waited + k months.
    Counts are carried as expected values (other departures take their share,
    not a whole number), and rounded to whole entries where a position is asked.
    """
    own = benefit_class - 1
    months = [
        (
            month.given,
            1.0 - month.leave_rate,
            [len(month.into[c]) - len(month.out_of[c]) for c in range(3)],
            month.into[own],
            month.out_of[own],
        )
        for month in flows.months
    ]
    # The rate of places is known only from the places recorded (N): each run takes its own, off by
    # about 1/sqrt(N), and each further year of the run changes it by about YEARLY_CHANGE.
    recorded = sum(month[0] for month in months)
    scale = math.exp(rng.gauss(0.0, 1.0 / math.sqrt(max(recorded, 1))))
    ahead = float(rank_in_class - 1)
    counts = [float(sizes.out_of_turn), float(sizes.first_turn), float(sizes.general)]
    month_days = MONTH.total_seconds() / DAY_SECONDS
    threshold = waited_days - 0.5 * month_days
    choose = rng.randrange
    seasonal = len(months) == WINDOW_MONTHS
    for k in range(1, HORIZON_MONTHS + 1):
        if seasonal:
            # The recorded month a year before this one, or one of its two neighbours.
            drawn = months[(WINDOW_MONTHS - k + choose(-SEASON_SPREAD, SEASON_SPREAD + 1)) % WINDOW_MONTHS]
        else:
            drawn = months[choose(len(months))]
        if k > 1 and k % WINDOW_MONTHS == 1:
            scale *= math.exp(rng.gauss(0.0, YEARLY_CHANGE))
        places, stay, net, into_own, out_of_own = drawn
        given = poisson(rng, places * scale)
        threshold += month_days
        ahead = max(
            0.0, (ahead + _later_than(into_own, threshold) - _later_than(out_of_own, threshold)) * stay
        )
        counts = [max(0.0, (counts[c] + net[c]) * stay) for c in range(3)]
        whole_ahead = round(ahead)
        whole = [round(count) for count in counts]
        whole[own] = max(whole[own], whole_ahead + 1)
        now_sizes = ordering.ClassSizes(*whole)
        if ordering.standing(benefit_class, whole_ahead + 1, now_sizes).position <= given:
            # The bulletin came at some moment of the month: any one alike.
            return k - rng.random()
        if given:
            window = ordering.page_window(0, given, now_sizes)
            taken = (window.out_of_turn_count, window.first_turn_count, window.general_count)
            counts = [max(0.0, counts[c] - taken[c]) for c in range(3)]
            ahead = max(0.0, ahead - taken[own])
        counts[own] = max(counts[own], ahead + 1)
    return None


def _quantile(sorted_values: list[float], q: float) -> float:
    """The nearest-rank quantile of a sorted list."""
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def estimate(
    *,
    flows: Flows,
    benefit_class: int,
    rank_in_class: int,
    sizes: ordering.ClassSizes,
    waited_days: float,
    seed: int,
    runs: int = RUNS,
) -> Estimate:
    """The middle half of ``runs`` simulated futures of the entry, or "not enough history"."""
    base = {"places_given": flows.places_given, "months_of_history": len(flows.months)}
    if len(flows.months) < MIN_MONTHS or flows.places_given < MIN_PLACES:
        return Estimate(enough_history=False, **base)
    rng = random.Random(seed)  # noqa: S311 - a forecast, not a secret: the same seed, the same answer
    never = HORIZON_MONTHS + 1.0
    outcomes = sorted(
        access_time(
            flows=flows,
            benefit_class=benefit_class,
            rank_in_class=rank_in_class,
            sizes=sizes,
            waited_days=waited_days,
            rng=rng,
        )
        or never
        for _ in range(runs)
    )
    low, median, high = (_quantile(outcomes, q) for q in (LOW_QUANTILE, 0.5, HIGH_QUANTILE))
    return Estimate(
        enough_history=True,
        low=low if low <= HORIZON_MONTHS else None,
        median=median if median <= HORIZON_MONTHS else None,
        high=high if high <= HORIZON_MONTHS else None,
        **base,
    )
