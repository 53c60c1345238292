"""Calendar arithmetic as civil law counts it."""

import calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (or earlier); the month's last day when it has no such day.

    A period in months ending in a month without that date ends on the month's
    last day (Civil Code of Kazakhstan), so 31 March minus one month is 28 or 29 February.
    """
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last_day))
