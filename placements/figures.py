"""Figures for staff: queue lengths and places given in each district in scope, side by side (issue 14
item 2; issue 13 item 2, "the department sees the same for its districts").

The same figures and the same server-drawn SVG charts as the public statistics
(``bulletins.statistics``, ``bulletins.charts``), summed over a district's
queues instead of one: two aggregate queries per district, nothing loaded row
by row. Shown on the admin's index under the day's work (``core.admin.index_sections``)
to specialists and department heads; the districts are those of
``restrict(user, VIEW)``. Someone whose scope is the whole country has too many
districts for one page side by side: they are pointed to the public statistics.
"""

from dataclasses import dataclass

from django.utils.translation import gettext

from accounts.choices import Action
from bulletins import charts, statistics
from core import clock
from core.admin import uses_admin
from directory.models import District
from queues.models import QueueEntry

from .models import Referral
from .statistics import given_per_month


@dataclass(frozen=True)
class DistrictFigures:
    district: District
    waiting: int  # children in the district's queues now
    given: int  # places given over the twelve months
    length_chart: charts.Chart
    given_chart: charts.Chart


def district_figures(district: District, months: list[statistics.Month]) -> DistrictFigures:
    """A district's queue length by class at each month's end and its places given per month."""
    lengths = statistics.length_by_class(
        QueueEntry.objects.filter(queue__settlement__district=district), months
    )
    given = given_per_month(Referral.objects.filter(kindergarten__settlement__district=district), months)
    return DistrictFigures(
        district=district,
        waiting=sum(lengths[-1].values()),
        given=sum(given),
        length_chart=charts.length_chart(
            months, lengths, title=gettext("%(district)s: children in the queue") % {"district": district}
        ),
        given_chart=charts.given_chart(
            months,
            given,
            title=gettext("%(district)s: places given") % {"district": district},
            description=gettext(
                "A bar for each of the last twelve months: the referrals issued in the district's "
                "kindergartens."
            ),
        ),
    )


def section(request) -> dict | None:
    """The admin index's section of figures, for staff of the admin whose scope is some districts."""
    user = request.user
    if not uses_admin(user):
        return None
    country = user.district_scope(Action.VIEW) is None
    districts = [] if country else list(District.objects.restrict(user, Action.VIEW).order_by("kato_code"))
    months = statistics.last_months(clock.now())
    return {
        "template": "admin/placements/figures.html",
        "country": country,
        "first_month": months[0].label,
        "last_month": months[-1].label,
        "figures": [district_figures(district, months) for district in districts],
    }
