"""On an application's own page: each recent opening in its queues and where it stood (issue 13).

"At the opening of bulletin X you were N-th; access went to the first M",
linking to the entry of the public log, so a parent can see how places were
given in their queue and check it. A panel of ``applications.panels``
(``BulletinsConfig.ready`` registers it): applications never imports the log.
Only on the application's own page (``open_places``), never in the cabinet's
list, whose query budget stays fixed.
"""

import datetime

from django.db.models import Expression, F, OuterRef, QuerySet, Subquery
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from .choices import OpeningKind
from .models import Opening

SHOWN = 5


def openings_panel(application, *, open_places: bool = False) -> SafeString:
    if not open_places:
        return mark_safe("")
    lines = [_line(entry, application.number) for entry in recent_openings(application)]
    if not lines:
        return mark_safe("")
    return render_to_string("bulletins/includes/openings_panel.html", {"lines": lines})


def recent_openings(application) -> list[Opening]:
    """The newest publications in the queues the application stands in, since it joined each: one query."""
    return list(_openings_of(application).select_related("queue__settlement").order_by("-seq")[:SHOWN])


def openings_version(now: datetime.datetime) -> tuple[Expression, ...]:
    """What ``openings_panel`` shows changes only with the newest of those publications: an entry of the
    log is never rewritten once published."""
    return (Subquery(_openings_of(OuterRef("pk")).order_by("-seq").values("seq")[:1]),)


def _openings_of(application) -> QuerySet[Opening]:
    return Opening.objects.filter(
        kind=OpeningKind.PUBLISHED,
        queue__entries__application=application,
        queue__entries__left_at__isnull=True,
        at__gte=F("queue__entries__joined_at"),
    )


def _line(entry: Opening, number: str) -> dict:
    held = dict(entry.accesses)
    return {
        "entry": entry,
        "given": len(entry.accesses),
        "my_position": held.get(number),
        "last_position": entry.accesses[-1][1] if entry.accesses else None,
    }
