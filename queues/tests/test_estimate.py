"""The wait estimate on constructed histories (issue 12 item 2): pure, no database."""

import bisect
import datetime
import random

import pytest
from django.utils import translation

from core.dates import format_date
from queues import estimate, ordering
from queues.choices import BenefitClass
from queues.choices import QueueEventCause as Cause
from queues.estimate_words import estimate_in_words

NOW = datetime.datetime(2026, 3, 12, 6, 0, tzinfo=datetime.UTC)
GENERAL, FIRST_TURN, OUT_OF_TURN = BenefitClass.GENERAL, BenefitClass.FIRST_TURN, BenefitClass.OUT_OF_TURN
ABSENT = estimate.ABSENT


def enrolments(per_month: int, months: int = 12) -> list[estimate.EventFact]:
    """``per_month`` children enrolled from the front in each of the last ``months`` months."""
    facts = []
    for month in range(months):
        for n in range(per_month):
            at = NOW - (month + (n + 0.5) / (per_month + 1)) * estimate.MONTH
            submitted = at - datetime.timedelta(days=400)
            facts.append(estimate.EventFact(Cause.ENROLLED, GENERAL, ABSENT, submitted, at))
    return facts


def out_of_turn_arrivals(per_month: int) -> list[estimate.EventFact]:
    facts = []
    for month in range(12):
        for n in range(per_month):
            at = NOW - (month + (n + 0.5) / (per_month + 1)) * estimate.MONTH
            facts.append(estimate.EventFact(Cause.SUBMITTED, ABSENT, OUT_OF_TURN, at, at))
    return facts


def flows_of(facts, sizes, months=12):
    first = min((fact.at for fact in facts), default=None)
    return estimate.monthly_flows(facts, sizes_now=sizes, now=NOW, first_event_at=first)


def estimate_for(flows, *, rank, sizes, seed=1):
    assert flows.sizes == sizes
    futures = estimate.simulate(flows, seed=seed)
    return estimate.estimate(futures, benefit_class=GENERAL, rank_in_class=rank, waited_days=200)


SIZES = ordering.ClassSizes(out_of_turn=0, first_turn=0, general=400)


def test_a_steady_flow_gives_the_band_its_pace_implies():
    """Twenty places a month and the 95th in line: access in the fifth month, give or take one."""
    flows = flows_of(enrolments(20), SIZES)
    assert flows.places_given == 240
    assert [month.given for month in flows.months] == [20] * 12

    found = estimate_for(flows, rank=95, sizes=SIZES)

    assert found.enough_history
    assert 3.5 <= found.low <= found.median <= found.high <= 5.5
    assert (found.low_months, found.high_months) in {(4, 5), (3, 5), (4, 6)}


def test_the_same_seed_gives_the_same_answer_and_further_back_waits_longer():
    flows = flows_of(enrolments(20), SIZES)
    assert estimate_for(flows, rank=95, sizes=SIZES) == estimate_for(flows, rank=95, sizes=SIZES)
    assert estimate_for(flows, rank=300, sizes=SIZES).low > estimate_for(flows, rank=95, sizes=SIZES).high


def test_arrivals_that_stand_ahead_make_the_wait_longer():
    sizes = ordering.ClassSizes(out_of_turn=0, first_turn=0, general=400)
    plain = estimate_for(flows_of(enrolments(20), sizes), rank=200, sizes=sizes)
    crowded = estimate_for(flows_of(enrolments(20) + out_of_turn_arrivals(8), sizes), rank=200, sizes=sizes)
    assert crowded.median > plain.median + 2


def test_no_history_or_too_little_gives_no_estimate():
    assert not estimate_for(flows_of([], SIZES), rank=5, sizes=SIZES).enough_history
    short = estimate_for(flows_of(enrolments(20, months=3), SIZES), rank=5, sizes=SIZES)
    assert not short.enough_history
    assert short.months_of_history == 3
    with translation.override("ru"):
        words = estimate_in_words(short, today=NOW.date(), ages_out_on=None)
    assert words["summary"] == (
        "В этой очереди пока недостаточно истории, чтобы оценить, когда откроется доступ к местам."
    )
    assert (words["low_months"], words["high_months"]) == (None, None)


def test_a_queue_that_gave_no_place_gives_no_estimate():
    withdrawn = [
        estimate.EventFact(
            Cause.WITHDRAWN, GENERAL, ABSENT, NOW - 40 * estimate.MONTH, NOW - m * estimate.MONTH
        )
        for m in range(1, 12)
    ]
    assert not estimate_for(flows_of(withdrawn, SIZES), rank=5, sizes=SIZES).enough_history


@pytest.mark.parametrize(
    ("ages_out_on", "warned", "only_after"),
    [
        (datetime.date(2030, 9, 1), False, False),  # years after the range
        (datetime.date(2026, 7, 20), True, False),  # between its two ends
        (datetime.date(2026, 5, 1), True, True),  # before it begins
    ],
)
def test_the_parent_is_warned_when_the_range_reaches_past_ageing_out(ages_out_on, warned, only_after):
    found = estimate_for(flows_of(enrolments(20), SIZES), rank=95, sizes=SIZES)
    with translation.override("en"):
        words = estimate_in_words(found, today=NOW.date(), ages_out_on=ages_out_on)
    assert words["summary"] == (
        f"Based on 240 places given in this queue over the last 12 months, access is likely to open between "
        f"{found.low_months} and {found.high_months} months from now."
    )
    assert words["past_ageing_out"] is warned
    assert bool(words["warning"]) is warned
    if warned:
        assert format_date(ages_out_on) in words["warning"]
        assert words["warning"].startswith("Access is likely to open only after") is only_after


def test_a_queue_recorded_since_today_has_no_month_of_history():
    joined = [estimate.EventFact(Cause.SUBMITTED, ABSENT, GENERAL, NOW, NOW)]
    assert flows_of(joined, SIZES).months == ()


def a_busy_year(seed: int) -> list[estimate.EventFact]:
    """A queue's year with every flow the estimate reads: places (more in September, none in August),
    withdrawals, paper applications received weeks late, benefits confirmed for old applications
    (standing ahead of younger first-turn entries) and expired (standing ahead of younger general ones)."""
    rng = random.Random(seed)
    facts = []
    for month in range(12):
        begin = NOW - (month + 1) * estimate.MONTH
        season = {8: 0, 9: 2.5}.get(begin.month, 1)

        def moment(begin=begin):
            return begin + rng.random() * estimate.MONTH

        def add(cause, old, new, lag_days):
            at = moment()
            facts.append(estimate.EventFact(cause, old, new, at - datetime.timedelta(days=lag_days), at))

        for _ in range(round(12 * season)):
            add(Cause.ENROLLED, GENERAL, ABSENT, rng.uniform(200, 600))
        for _ in range(4):
            add(Cause.WITHDRAWN, GENERAL, ABSENT, rng.uniform(0, 600))
            add(Cause.BACKDATED_PAPER, ABSENT, GENERAL, rng.uniform(3, 60))
            add(Cause.SUBMITTED, ABSENT, GENERAL, 0)
        for _ in range(2):
            add(Cause.BENEFIT_CONFIRMED, GENERAL, FIRST_TURN, rng.uniform(0, 700))
        add(Cause.BENEFIT_EXPIRED, FIRST_TURN, GENERAL, rng.uniform(0, 700))
    return facts


def replayed_access(months, flows, *, benefit_class, rank, waited_days):
    """The plain per-entry walk over one simulated future: its position in its class month by month."""
    own, ahead = benefit_class - 1, float(rank - 1)
    month_days = estimate.MONTH.total_seconds() / estimate.DAY_SECONDS
    for k, month in enumerate(months, start=1):
        recorded, threshold = flows.months[month.drawn], waited_days + (k - 0.5) * month_days
        into = len(recorded.into[own]) - bisect.bisect_right(recorded.into[own], threshold)
        out_of = len(recorded.out_of[own]) - bisect.bisect_right(recorded.out_of[own], threshold)
        ahead = (ahead + into - out_of) * month.stay
        if month.served_whole(own) or 0 <= ahead < month.taken[own] or (ahead < 0 < month.taken[own]):
            return month.moment
        ahead -= month.taken[own]
    return estimate.HORIZON_MONTHS + 1.0


@pytest.mark.parametrize(
    ("benefit_class", "rank", "waited_days"),
    [(GENERAL, 1, 500), (GENERAL, 90, 300), (GENERAL, 380, 20), (FIRST_TURN, 3, 650), (FIRST_TURN, 30, 40)],
)
def test_an_entry_read_from_the_queue_futures_waits_as_its_own_walk_through_them(
    benefit_class, rank, waited_days
):
    """One simulation per queue serves every entry: what it reads is what walking the entry's own
    position through the same simulated months gives, arrivals ahead of it and its class drained included."""
    sizes = ordering.ClassSizes(out_of_turn=0, first_turn=40, general=400)
    flows = flows_of(a_busy_year(5), sizes)
    futures = estimate.simulate(flows, seed=7, runs=40)
    rng = random.Random(7)
    walked = sorted(
        replayed_access(
            list(estimate.simulated_months(flows, rng)),
            flows,
            benefit_class=benefit_class,
            rank=rank,
            waited_days=waited_days,
        )
        for _ in range(40)
    )

    found = estimate.estimate(
        futures, benefit_class=benefit_class, rank_in_class=rank, waited_days=waited_days
    )

    middle = [walked[round(q * 39)] for q in (0.25, 0.5, 0.75)]
    assert [found.low, found.median, found.high] == pytest.approx(middle, rel=1e-6)


def test_paper_applications_received_late_stand_ahead_of_a_recent_entry_not_of_an_old_one():
    """Ten paper applications a month, each registered 40 days after it was handed in: they stand
    ahead of an entry submitted a week ago (for its first month), never of one waiting for a year."""
    papers = [
        estimate.EventFact(Cause.BACKDATED_PAPER, ABSENT, GENERAL, at - datetime.timedelta(days=40), at)
        for month in range(12)
        for at in (NOW - (month + n / 10) * estimate.MONTH for n in range(10))
    ]
    futures = estimate.simulate(flows_of(enrolments(20) + papers, SIZES), seed=3)

    def read(rank, waited_days):
        return estimate.estimate(futures, benefit_class=GENERAL, rank_in_class=rank, waited_days=waited_days)

    assert read(300, 365).low > read(100, 365).high
    assert read(200, 7).median > read(200, 365).median + 0.2
    assert read(200, 60).median == read(200, 365).median


def test_places_change_with_the_school_year_on_1_september():
    """Read on 12 March: the recorded months since September stand in this school year, the earlier
    ones in the last; the simulated months to August in this one, from September in the next."""
    flows = flows_of(enrolments(20), SIZES)
    recorded, simulated = flows.school_years
    assert recorded == (2025,) * 6 + (2024,) * 6
    assert simulated[:6] == (2025,) * 6
    assert simulated[6:18] == (2026,) * 12
