"""The two date filters every template uses, built in (settings ``TEMPLATES``): no page loads them.

``{{ day|local_date }}`` gives 18.12.2026 and ``{{ moment|local_datetime }}``
18.12.2026 14:05, on the clocks of Almaty and the same in Kazakh and Russian;
``{{ moment|local_datetime:"seconds" }}`` adds the seconds, for the submission
time and the audit trail. The rules are ``core.dates.format_date`` and
``format_datetime``, which texts and the PDF call too. A ``<time datetime>``
attribute is for machines and stays ISO (``|date:"c"``).
"""

from django import template

from core import dates

register = template.Library()


@register.filter
def local_date(value) -> str:
    return dates.format_date(value)


@register.filter
def local_datetime(value, precision: str = "") -> str:
    if precision not in ("", "seconds"):
        raise template.TemplateSyntaxError(f'local_datetime takes "seconds" or nothing, not {precision!r}')
    return dates.format_datetime(value, seconds=precision == "seconds")
