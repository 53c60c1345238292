"""The public front pages: region, then district, then settlement, each with its figures (issue 11).

They live in ``queues`` because their figures (``summary``) count queue
entries, which ``directory`` may not know about (DESIGN.md). Every page makes
a fixed number of small queries, whatever the size of the country: a page of
areas by name, their summary rows by key, and never a count of entries.
"""

import functools

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from core.pagecache import shared_page
from directory import selectors as directory_selectors
from directory.forms import SettlementSearchForm
from directory.models import District, Region, Settlement

from . import summary
from .choices import AreaLevel

PAGE_SIZE = 50
SEARCH_LIMIT = 20
#: How long a front page is served again while its figures stay the same: a renamed settlement or a new
#: kindergarten shows within this; the figures themselves are dated on the page.
FRONT_PAGE_SECONDS = 60


def front_page(view):
    """Serve ``view``'s page again to every signed-out visitor until the figures are counted anew.

    Keyed on the path, the page number the view will show and the time of the
    last count (``summary.count_token``); a search (``?q=``: free text) is
    rendered each time and never kept.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.GET.get("q"):
            return view(request, *args, **kwargs)
        state = (summary.count_token(), page_number(request))
        return shared_page(
            request,
            address=request.path,
            state=state,
            seconds=FRONT_PAGE_SECONDS,
            render=lambda: view(request, *args, **kwargs),
        )

    return wrapper


@front_page
def home(request):
    """The country's regions with their figures, and the settlement search (``?q=``)."""
    form = SettlementSearchForm(request.GET or None)
    query = form.query() if form.is_bound else ""
    context = {"form": form, "query": query}
    if query:
        matches = list(directory_selectors.settlements_matching(query)[: SEARCH_LIMIT + 1])
        context["matches"] = _with_figures(AreaLevel.SETTLEMENT, matches[:SEARCH_LIMIT])
        context["more"] = len(matches) > SEARCH_LIMIT
    context["areas"] = _with_figures(AreaLevel.REGION, list(directory_selectors.regions()))
    return render(request, "queues/front/home.html", context)


@front_page
def region(request, kato_code):
    region = get_object_or_404(Region, kato_code=kato_code)
    page = _page(request, directory_selectors.districts_of(region))
    context = {
        "region": region,
        "page": page,
        "areas": _with_figures(AreaLevel.DISTRICT, page.object_list, whole=(AreaLevel.REGION, region)),
    }
    return render(request, "queues/front/region.html", context)


@front_page
def district(request, kato_code):
    district = get_object_or_404(District.objects.select_related("region"), kato_code=kato_code)
    page = _page(request, directory_selectors.settlements_of(district))
    context = {
        "district": district,
        "page": page,
        "areas": _with_figures(AreaLevel.SETTLEMENT, page.object_list, whole=(AreaLevel.DISTRICT, district)),
    }
    return render(request, "queues/front/district.html", context)


@front_page
def settlement(request, kato_code):
    settlement = get_object_or_404(Settlement.objects.select_related("district__region"), kato_code=kato_code)
    page = _page(request, directory_selectors.kindergartens_of(settlement))
    context = {
        "settlement": settlement,
        "page": page,
        "areas": _with_figures(AreaLevel.SETTLEMENT, [], whole=(AreaLevel.SETTLEMENT, settlement)),
    }
    return render(request, "queues/front/settlement.html", context)


def _page(request, queryset):
    """One page of ``queryset``; a missing or malformed ``?page=`` gives the first or the last page."""
    return Paginator(queryset, PAGE_SIZE).get_page(page_number(request))


def page_number(request) -> int:
    """The ``?page=`` asked for as a number (1 when missing or malformed); the paginator caps it."""
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


def _with_figures(level, areas, whole=None) -> dict:
    """``areas`` paired with their summary rows, the row of the ``whole`` (level, area) they belong to,
    and the time the oldest of those rows was computed; in one query."""
    wanted = [(level, area.pk) for area in areas]
    if whole is not None:
        wanted.append((whole[0], whole[1].pk))
    figures = summary.figures_of(wanted)
    return {
        "rows": [(area, figures.get((level, area.pk))) for area in areas],
        "whole": figures.get((whole[0], whole[1].pk)) if whole is not None else None,
        "as_of": min((row.computed_at for row in figures.values()), default=None),
    }
