"""The back-test's calibration (issue 12 item 2): coverage counted right on a known case."""

import random

from generation import backtest
from queues.estimate import HORIZON_MONTHS, Estimate


def stated(low, median, high):
    return Estimate(
        places_given=50, months_of_history=12, enough_history=True, low=low, median=median, high=high
    )


def test_calibration_counts_inside_before_and_after_the_middle_half_per_band():
    outcomes = [
        backtest.Outcome(band="small", estimate=stated(2.0, 3.0, 4.0), access=3.5),  # inside
        backtest.Outcome(band="small", estimate=stated(2.0, 3.0, 4.0), access=1.0),  # before
        backtest.Outcome(band="small", estimate=stated(2.0, 3.0, 4.2), access=4.5),  # after; inside 2-5 shown
        backtest.Outcome(band="small", estimate=stated(2.0, 3.0, 4.0), access=2.0),  # inside, on the edge
        backtest.Outcome(band="large", estimate=stated(10.2, 12.0, None), access=None),  # never: inside
        backtest.Outcome(
            band="large",
            estimate=Estimate(places_given=0, months_of_history=2, enough_history=False),
            access=5.0,
        ),
    ]

    small, large = backtest.calibration(outcomes)

    assert small["band"] == "small"
    assert (small["estimates"], small["no_estimate"]) == (4, 0)
    assert (small["inside"], small["before"], small["after"]) == (0.5, 0.25, 0.25)
    assert small["inside_shown"] == 0.75  # only 1.0 lies outside the whole months shown
    assert small["median_error"] == 1.25  # errors 0.5, 2.0, 1.5, 1.0
    assert (large["estimates"], large["no_estimate"], large["inside"]) == (1, 1, 1.0)
    assert large["median_error"] == HORIZON_MONTHS + 1 - 12  # never, counted as just past the horizon


def test_the_table_prints_a_row_per_band():
    rows = backtest.calibration([backtest.Outcome(band="< 300", estimate=stated(1.0, 2.0, 3.0), access=2.5)])
    assert backtest.table(rows).splitlines()[2] == "| < 300 | 1 | 100% | 0% | 0% | 100% | 0.5 |"


def test_the_synthetic_queue_gives_places_from_its_front_by_the_engine_order():
    queue = backtest.make_queue(random.Random(3), 40)
    front = sorted(queue.classes[backtest.GENERAL])[0]
    queue.followed.add(front[1])
    queue.places_per_month = 200.0
    queue.month(0)
    assert front[1] in queue.access
    assert all(event.at >= backtest.START for event in queue.events)
