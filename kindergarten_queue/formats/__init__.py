"""How Django itself shows and reads a date (the admin's lists and fields) in Kazakh and Russian.

``FORMAT_MODULE_PATH`` points here; each language's ``formats`` takes these,
as ``core.dates`` does, so the admin shows dd.mm.yyyy and dd.mm.yyyy hh:mm (Asia/Almaty, ``TIME_ZONE``)
like every other page, and takes a date typed the same way. Django ships no
Kazakh format module, so without the input formats below the Kazakh admin
accepted only 2026-12-07 and refused 07.12.2026 (issue 14). The first format
is the one the admin's calendar writes into the field; ISO stays accepted.
"""

from core.dates import DATE_FORMAT as TYPED_DATE
from core.dates import DATETIME_FORMAT as TYPED_DATETIME
from core.dates import DATETIME_SECONDS_FORMAT as TYPED_DATETIME_SECONDS
from core.dates import DJANGO_DATE_FORMAT, DJANGO_DATETIME_FORMAT

DATE_FORMAT = SHORT_DATE_FORMAT = DJANGO_DATE_FORMAT
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = DJANGO_DATETIME_FORMAT
TIME_FORMAT = "H:i"
DATE_INPUT_FORMATS = [TYPED_DATE, "%Y-%m-%d"]
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M"]
DATETIME_INPUT_FORMATS = [
    TYPED_DATETIME_SECONDS,
    TYPED_DATETIME,
    TYPED_DATE,
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]
FIRST_DAY_OF_WEEK = 1  # Monday
