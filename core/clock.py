"""The one place services read the current time from (DESIGN.md, "State and time").

Services take ``now`` as an argument where a caller knows it, and otherwise ask
``clock.now()``; tests move the clock with time-machine instead of patching
scattered ``timezone.now`` calls.
"""

import datetime

from django.utils import timezone

from . import dates


def now() -> datetime.datetime:
    """The current moment, aware, in UTC."""
    return timezone.now()


def today() -> datetime.date:
    """Today's date in the country's time zone (Asia/Almaty), where day-based rules live."""
    return dates.local_date(now())
