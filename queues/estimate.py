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
2. ``simulate`` runs the queue's front ``RUNS`` times, once per queue and
   day, whoever asks. Each simulated month replays a recorded one (the same
   season a year before, or one at random with less than a year): the class
   sizes move by its net arrivals, other departures take the same share of
   every class, and its places go to the front by ``ordering.page_window``
   (the one-in-three merge included). Each run keeps, per class, how far its
   front has reached, counted in today's ranks (``Futures``).
3. ``estimate`` reads an entry from those runs: arrivals into its class stand
   ahead of it when their submission, the month's time less their lag, is
   earlier than its own; access opens in the first month whose places reach
   past it. The answer is the middle half (25th to 75th percentile) of those
   moments: completed outcomes, never the mean wait of those still waiting. A
   run that reaches no access within ``HORIZON_MONTHS`` counts as later than that.

Deterministic given the seed of ``simulate``.
"""

import bisect
import datetime
import functools
import math
import random
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

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
#: The least share of a queue a simulated month keeps: a month that emptied the queue would otherwise
#: leave no scale to count the months after it in (``Futures``).
MIN_STAY = 0.01
#: How much a queue's places change from one school year to the next (the spread of a log-normal factor):
#: kindergartens open, groups close, on 1 September. An assumption (docs/estimates.md), not read from one
#: year of history.
YEARLY_CHANGE = 0.1
SEPTEMBER = 9


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
    """A queue's recorded months (newest first), its class sizes when they were read, and when."""

    months: tuple[MonthFlow, ...]
    sizes: ordering.ClassSizes
    read_at: datetime.datetime

    @property
    def places_given(self) -> int:
        return sum(month.given for month in self.months)

    @functools.cached_property
    def school_years(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The school year of each recorded month (newest first) and of each simulated month 1, 2, ...:
        the year in which the school year that holds the month's middle began."""
        recorded = tuple(_school_year(self.read_at - (i + 0.5) * MONTH) for i in range(len(self.months)))
        simulated = tuple(
            _school_year(self.read_at + (k - 0.5) * MONTH) for k in range(1, HORIZON_MONTHS + 1)
        )
        return recorded, simulated


def _school_year(moment: datetime.datetime) -> int:
    """The school year runs from 1 September to 31 August (RULES.md section 4)."""
    return moment.year if moment.month >= SEPTEMBER else moment.year - 1


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
        return Flows(months=(), sizes=sizes_now, read_at=now)
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
    return Flows(months=tuple(months), sizes=sizes_now, read_at=now)


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


class SimulatedMonth(NamedTuple):
    """One month of one simulated future of a queue's front (``simulated_months``)."""

    drawn: int  # the recorded month replayed: an index into ``Flows.months``
    stay: float  # the share of the queue that did not leave otherwise this month
    given: int
    whole: tuple[int, int, int]  # the class sizes when the places were given
    taken: tuple[int, int, int]  # the places given to each class
    moment: float  # when in the month the bulletin came, in months from now

    def served_whole(self, own: int) -> bool:
        """The places reached past every entry of class index ``own``: whoever stands in it got one.

        The simulated class sizes follow the queue's flows, not one entry, so an
        entry can find its class drained ahead of its own count; it is served
        then, with the rest of its class (or, an empty class, if places were left over).
        """
        if not self.given or self.taken[own] < self.whole[own]:
            return False
        return self.whole[own] > 0 or sum(self.taken) < self.given


def simulated_months(flows: Flows, rng: random.Random) -> Iterator[SimulatedMonth]:
    """One future of the queue's front, ``HORIZON_MONTHS`` long, from the class sizes ``flows`` was read at.

    With a whole year recorded, simulated month k replays the recorded month of
    the same season (k months ahead is 12 - k months back, modulo 12); with
    less, a month drawn at random. Its places are a Poisson count around the
    month recorded, times the run's rate: off by about 1/sqrt(N) of the N
    places recorded, and changed by a factor of about ``YEARLY_CHANGE`` at every
    1 September between the recorded month and the simulated one, when groups
    are formed (the months recorded since last September already stand in the
    current school year; the earlier ones do not). Counts are carried as
    expected values and rounded to whole entries where the places' window
    (``ordering.page_window``) is asked.
    """
    months = [
        (
            month.given,
            max(MIN_STAY, 1.0 - month.leave_rate),
            [len(month.into[c]) - len(month.out_of[c]) for c in range(3)],
        )
        for month in flows.months
    ]
    recorded_years, simulated_years = flows.school_years
    scale = math.exp(rng.gauss(0.0, 1.0 / math.sqrt(max(flows.places_given, 1))))
    level = {min(recorded_years): scale}
    for year in range(min(recorded_years) + 1, simulated_years[-1] + 1):
        level[year] = level[year - 1] * math.exp(rng.gauss(0.0, YEARLY_CHANGE))
    sizes = flows.sizes
    counts = [float(sizes.out_of_turn), float(sizes.first_turn), float(sizes.general)]
    seasonal = len(months) == WINDOW_MONTHS
    for k in range(1, HORIZON_MONTHS + 1):
        drawn = (WINDOW_MONTHS - k) % WINDOW_MONTHS if seasonal else rng.randrange(len(months))
        places, stay, net = months[drawn]
        given = poisson(rng, places * level[simulated_years[k - 1]] / level[recorded_years[drawn]] * scale)
        counts = [max(0.0, (counts[c] + net[c]) * stay) for c in range(3)]
        whole = (round(counts[0]), round(counts[1]), round(counts[2]))
        taken = (0, 0, 0)
        if given:
            window = ordering.page_window(0, given, ordering.ClassSizes(*whole))
            taken = (window.out_of_turn_count, window.first_turn_count, window.general_count)
            counts = [max(0.0, counts[c] - taken[c]) for c in range(3)]
        yield SimulatedMonth(drawn, stay, given, whole, taken, k - rng.random())


@dataclass(frozen=True)
class Futures:
    """A queue's simulated futures (``simulate``), from which every entry's estimate is read (``estimate``).

    Why this form. An entry of class c with ``a`` entries ahead in its class
    goes through month k as ``a' = (a + d_k) * s_k`` (``d_k`` arrivals standing
    ahead of it, ``s_k`` the share that stays), then gets access if ``a' < t_k``
    (the places month k gave to its class), else keeps ``a' - t_k``. Divided by
    ``P_k = s_1 ... s_k``, the share of today's queue still there, that is a sum:
    access comes in the first month with places where
    ``(rank - 1) + D_k < T_k``, with ``D_k`` the sum of ``d_j / P_(j-1)`` and
    ``T_k`` the sum of ``t_j / P_j``. ``T_k`` is the same for every entry of the
    class, so it is simulated once per queue; ``D_k`` depends on the entry only
    through its submission (which arrivals stand ahead) and is added up from the
    recorded lags (``_arrivals_ahead``), then ``T`` is searched (``_access``).

    For run r and month k (index ``r * HORIZON_MONTHS + k - 1``): ``fronts[c]``
    holds ``T_k`` of class index c (+inf from a month that served the class
    whole), ``weights`` ``1 / P_(k-1)``, ``drawn`` the recorded month replayed,
    ``moments`` when in month k access opened, in months from now.
    """

    flows: Flows
    runs: int
    fronts: tuple[array, array, array]
    weights: array
    drawn: bytes
    moments: array


def simulate(flows: Flows, *, seed: int, runs: int = RUNS) -> Futures:
    """``runs`` futures of the queue's front, or none when its history is too short to say anything."""
    fronts, weights, drawn, moments = (
        (array("d"), array("d"), array("d")),
        array("d"),
        bytearray(),
        array("f"),
    )
    if len(flows.months) < MIN_MONTHS or flows.places_given < MIN_PLACES:
        runs = 0
    rng = random.Random(seed)  # noqa: S311 - a forecast, not a secret: the same seed, the same answer
    for _ in range(runs):
        reached, kept = [0.0, 0.0, 0.0], 1.0
        for month in simulated_months(flows, rng):
            weights.append(1.0 / kept)
            kept *= month.stay
            for c in range(3):
                reached[c] = math.inf if month.served_whole(c) else reached[c] + month.taken[c] / kept
                fronts[c].append(reached[c])
            drawn.append(month.drawn)
            moments.append(month.moment)
    return Futures(
        flows=flows, runs=runs, fronts=fronts, weights=weights, drawn=bytes(drawn), moments=moments
    )


def _arrivals_ahead(flows: Flows, own: int, waited_days: float) -> list[list[int]]:
    """For each recorded month, replayed as simulated month k = 1, 2, ...: its arrivals into class
    index ``own`` that stand ahead of an entry submitted ``waited_days`` ago, less its departures
    from that class that stood ahead (an entry stands ahead when its lag exceeds the entry's wait
    by then). Only as many months as some recorded lag still exceeds the wait: none after them.
    """
    month_days = MONTH.total_seconds() / DAY_SECONDS
    longest = max(
        (lags[-1] for month in flows.months for lags in (month.into[own], month.out_of[own]) if lags),
        default=-math.inf,
    )
    thresholds = []
    while (
        len(thresholds) < HORIZON_MONTHS
        and (threshold := waited_days + (len(thresholds) + 0.5) * month_days) < longest
    ):
        thresholds.append(threshold)
    return [
        [_later_than(month.into[own], t) - _later_than(month.out_of[own], t) for t in thresholds]
        for month in flows.months
    ]


def _access(futures: Futures, run: int, own: int, ahead: int, arrivals: list[list[int]]) -> float | None:
    """In how many months from now run ``run`` gives access to an entry ``ahead`` places back in its
    class (``Futures``: the first month with places where ``ahead + D_k < T_k``); None past the horizon."""
    front, weights, drawn = futures.fronts[own], futures.weights, futures.drawn
    start = run * HORIZON_MONTHS
    owed, reached = float(ahead), 0.0
    for k, index in enumerate(range(start, start + len(arrivals[0]))):
        owed += arrivals[drawn[index]][k] * weights[index]
        if front[index] > max(owed, reached):
            return futures.moments[index]
        reached = front[index]
    index = bisect.bisect_right(front, max(owed, reached), start + len(arrivals[0]), start + HORIZON_MONTHS)
    return futures.moments[index] if index < start + HORIZON_MONTHS else None


def _quantile(sorted_values: list[float], q: float) -> float:
    """The nearest-rank quantile of a sorted list."""
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def estimate(futures: Futures, *, benefit_class: int, rank_in_class: int, waited_days: float) -> Estimate:
    """The middle half of the queue's simulated futures as seen from the entry, or "not enough history"."""
    flows = futures.flows
    base = {"places_given": flows.places_given, "months_of_history": len(flows.months)}
    if not futures.runs:
        return Estimate(enough_history=False, **base)
    own = benefit_class - 1
    arrivals = _arrivals_ahead(flows, own, waited_days)
    never = HORIZON_MONTHS + 1.0
    outcomes = []
    for run in range(futures.runs):
        moment = _access(futures, run, own, rank_in_class - 1, arrivals)
        outcomes.append(never if moment is None else moment)
    outcomes.sort()
    low, median, high = (_quantile(outcomes, q) for q in (LOW_QUANTILE, 0.5, HIGH_QUANTILE))
    return Estimate(
        enough_history=True,
        low=low if low <= HORIZON_MONTHS else None,
        median=median if median <= HORIZON_MONTHS else None,
        high=high if high <= HORIZON_MONTHS else None,
        **base,
    )
