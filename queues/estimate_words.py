"""The wait estimate in words a parent understands, in the active language (issue 12 item 2).

One shape for every reader (the parent's page, the call-centre desk, the API):
whether there is enough history, the places given in the last 12 months, the
whole months that hold the middle half of the outcomes, the day the child ages
out of the queue (given by the caller, who knows the child: ``applications``)
and whether the range reaches past it, and the sentences. The numbers come from
``estimate`` (run by ``selectors.wait_estimates``); nothing here counts.
"""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.dates import format_date

from . import selectors
from .estimate import HORIZON_MONTHS, MONTH, WINDOW_MONTHS, Estimate


def _range(found: Estimate) -> str:
    low, high = found.low_months, found.high_months
    if low is None:
        return ngettext(
            "at this queue's pace, access is unlikely to open within %(years)s year.",
            "at this queue's pace, access is unlikely to open within %(years)s years.",
            HORIZON_MONTHS // 12,
        ) % {"years": HORIZON_MONTHS // 12}
    if high is None:
        return ngettext(
            "access is likely to open no sooner than %(low)s month from now, and perhaps much later.",
            "access is likely to open no sooner than %(low)s months from now, and perhaps much later.",
            low,
        ) % {"low": low}
    if low == 0:
        return ngettext(
            "access is likely to open within %(high)s month from now.",
            "access is likely to open within %(high)s months from now.",
            high,
        ) % {"high": high}
    return ngettext(
        "access is likely to open between %(low)s and %(high)s month from now.",
        "access is likely to open between %(low)s and %(high)s months from now.",
        high,
    ) % {"low": low, "high": high}


def estimate_in_words(found: Estimate, *, today: datetime.date, ages_out_on: datetime.date | None) -> dict:
    """One queue's estimate: the numbers, a summary sentence and, where due, the ageing-out warning."""
    if not found.enough_history:
        return {
            "enough_history": False,
            "places_given": found.places_given,
            "low_months": None,
            "high_months": None,
            "ages_out_on": ages_out_on,
            "past_ageing_out": False,
            "summary": _("Not enough history in this queue yet to estimate when access may open."),
            "warning": "",
        }
    places = ngettext(
        "Based on %(count)s place given in this queue over the last %(months)s months,",
        "Based on %(count)s places given in this queue over the last %(months)s months,",
        found.places_given,
    ) % {"count": found.places_given, "months": WINDOW_MONTHS}
    high_day = None if found.high_months is None else today + found.high_months * MONTH
    low_day = None if found.low_months is None else today + found.low_months * MONTH
    past = ages_out_on is not None and (high_day is None or high_day > ages_out_on)
    warning = ""
    if past and (low_day is None or low_day > ages_out_on):
        warning = _(
            "Access is likely to open only after %(date)s, when your child will be too old for this queue. "
            "Consider other kindergartens and queues as well."
        ) % {"date": format_date(ages_out_on)}
    elif past:
        warning = _(
            "This range reaches past %(date)s, when your child will be too old for this queue: access may "
            "not come in time. Consider other kindergartens and queues as well."
        ) % {"date": format_date(ages_out_on)}
    return {
        "enough_history": True,
        "places_given": found.places_given,
        "low_months": found.low_months,
        "high_months": found.high_months,
        "ages_out_on": ages_out_on,
        "past_ageing_out": past,
        "summary": f"{places} {_range(found)}",
        "warning": warning,
    }


def wait_estimates_in_words(
    positions, *, today: datetime.date, ages_out_on: datetime.date | None
) -> list[dict]:
    """The estimates of ``positions`` (one application's, from ``selectors``), in words."""
    return [
        estimate_in_words(found, today=today, ages_out_on=ages_out_on)
        for found in selectors.wait_estimates(positions)
    ]
