"""The age rule of the queue, RULES.md section 4, each part in one function.

Age is counted in full years on the cut-off date (1 September by default) of the
current school year; a child may be in a queue while that age does not exceed
six, and a PMPK conclusion exempts a child with special educational needs.
Regions read the cut-off differently, so the date and the age are settings,
read at call time so that a test or a deployment can change them.
"""

import datetime

from django.conf import settings
from django.utils.translation import gettext, ngettext

from core.dates import format_date, same_day_in


def school_year_cutoff(today: datetime.date) -> datetime.date:
    """The cut-off date of the school year ``today`` falls in.

    The school year starts on the cut-off date itself (1 September to 31 August
    by default): on 2026-08-31 it is 2025-09-01, on 2026-09-01 it is 2026-09-01.
    """
    cutoff = _cutoff_in(today.year)
    if today < cutoff:
        cutoff = _cutoff_in(today.year - 1)
    return cutoff


def age_in_full_years(birth_date: datetime.date, on: datetime.date) -> int:
    """Full years from ``birth_date`` to ``on``; ``on`` must not be before the birth date.

    A child born on 29 February has its birthday on 28 February in a common
    year: under the Civil Code of Kazakhstan a period in years that ends in a
    month without the starting day ends on the last day of that month.
    """
    if on < birth_date:
        raise ValueError(f"{on} is before the birth date {birth_date}.")
    years = on.year - birth_date.year
    if on < same_day_in(on.year, birth_date.month, birth_date.day):
        years -= 1
    return years


def age_on_cutoff(birth_date: datetime.date, today: datetime.date) -> int:
    """The child's age in full years on the cut-off date of the current school year.

    A child born after the cut-off date counts as 0 on it, the youngest possible.
    """
    cutoff = school_year_cutoff(today)
    if birth_date > cutoff:
        return 0
    return age_in_full_years(birth_date, cutoff)


def too_old_born_until(today: datetime.date) -> datetime.date:
    """The latest birth date too old for the queue today: a child born on it or before is, one after is not.

    Opening access asks this of many children at once, in SQL, as one date
    comparison (``applications.selectors.age_fit_sql``). The date is found with
    ``age_on_cutoff`` itself, which never grows as the birth date moves later,
    so the comparison and ``age_ineligibility_reason`` agree on every birth
    date, 29 February and the cut-off date included.
    """
    max_age = settings.QUEUE_MAX_AGE_YEARS
    cutoff = school_year_cutoff(today)
    day = same_day_in(cutoff.year - max_age - 1, cutoff.month, cutoff.day)
    one_day = datetime.timedelta(days=1)
    while age_on_cutoff(day + one_day, today) > max_age:
        day += one_day
    while age_on_cutoff(day, today) <= max_age:
        day -= one_day
    return day


def years_that_fit(today: datetime.date) -> range:
    """The birth years whose every child fits the age rule today, conclusion or not (RULES.md section 4).

    Opening access picks thousands of children out of queues of one birth
    year each: in a queue of such a year no child's birth date needs reading.
    A year fits whole when its first day is after ``too_old_born_until`` and
    its last day is not after today, the two ends of the rule.
    """
    last = today.year if today == datetime.date(today.year, 12, 31) else today.year - 1
    return range(too_old_born_until(today).year + 1, last + 1)


def is_age_eligible(
    birth_date: datetime.date, today: datetime.date, *, has_special_needs_conclusion: bool
) -> bool:
    """Whether the child's age lets it apply or stay in a queue today (RULES.md section 4)."""
    return (
        age_ineligibility_reason(birth_date, today, has_special_needs_conclusion=has_special_needs_conclusion)
        is None
    )


def age_ineligibility_reason(
    birth_date: datetime.date, today: datetime.date, *, has_special_needs_conclusion: bool
) -> str | None:
    """Why the child's age keeps it out of the queue, in the active language; None if it does not.

    The age on the cut-off date must not exceed ``settings.QUEUE_MAX_AGE_YEARS``
    unless the child holds a PMPK conclusion (RULES.md section 4). A birth date
    after today is refused whatever the conclusion: it is a mistake in the data.
    """
    if birth_date > today:
        return gettext("The birth date %(birth_date)s is in the future.") % {
            "birth_date": format_date(birth_date)
        }
    if has_special_needs_conclusion:
        return None
    max_age = settings.QUEUE_MAX_AGE_YEARS
    age = age_on_cutoff(birth_date, today)
    if age <= max_age:
        return None
    return ngettext(
        "On %(cutoff)s the child will be %(age)s full year old; "
        "the queue is for children up to the age of %(max)s.",
        "On %(cutoff)s the child will be %(age)s full years old; "
        "the queue is for children up to the age of %(max)s.",
        age,
    ) % {"cutoff": format_date(school_year_cutoff(today)), "age": age, "max": max_age}


def _cutoff_in(year: int) -> datetime.date:
    return same_day_in(year, settings.QUEUE_AGE_CUTOFF_MONTH, settings.QUEUE_AGE_CUTOFF_DAY)


def ages_out_on(birth_date: datetime.date, today: datetime.date) -> datetime.date:
    """The cut-off date, this school year's or a later one, on which the child's age first exceeds the
    queue's: the day it ages out of its queues (RULES.md section 4), for the wait estimate's warning.

    A child already too old gets this school year's cut-off date. The PMPK exemption is the caller's.
    """
    cutoff = school_year_cutoff(today)
    while cutoff < birth_date or age_in_full_years(birth_date, cutoff) <= settings.QUEUE_MAX_AGE_YEARS:
        cutoff = _cutoff_in(cutoff.year + 1)
    return cutoff
