"""How Django itself shows a date (the admin's lists and fields) in Kazakh and Russian, as ``core.dates``.

``FORMAT_MODULE_PATH`` points here; each language's ``formats`` takes these,
so the admin shows dd.mm.yyyy and dd.mm.yyyy hh:mm (Asia/Almaty, ``TIME_ZONE``)
like every other page. Input formats stay Django's.
"""

from core.dates import DJANGO_DATE_FORMAT, DJANGO_DATETIME_FORMAT

DATE_FORMAT = SHORT_DATE_FORMAT = DJANGO_DATE_FORMAT
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = DJANGO_DATETIME_FORMAT
