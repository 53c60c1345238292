"""The wait estimate on constructed histories (issue 12 item 2): pure, no database."""

import datetime

import pytest
from django.utils import translation

from core.dates import format_date
from queues import estimate, ordering
from queues.choices import BenefitClass
from queues.choices import QueueEventCause as Cause
from queues.estimate_words import estimate_in_words

NOW = datetime.datetime(2026, 3, 12, 6, 0, tzinfo=datetime.UTC)
GENERAL, OUT_OF_TURN = BenefitClass.GENERAL, BenefitClass.OUT_OF_TURN
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
    return estimate.estimate(
        flows=flows, benefit_class=GENERAL, rank_in_class=rank, sizes=sizes, waited_days=200, seed=seed
    )


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
