"""Public pages of the queue's record (issue 13): bulletins, statistics and open data, no sign-in.

A parent told to "study the bulletin of free places" finds it here: every
place with its kindergarten, group, birth year, language, queue kind, how
many are still free and who may take it now. No child's or parent's data.
Pages are served again from the cache under ``public.page_state``, which
changes the moment a place is taken or a window ends, so they are exact.
"""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.http import quote_etag
from django.views.decorators.http import condition, require_GET

from core import clock
from core.pagecache import shared_page
from directory.models import Settlement
from queues.models import Queue, QueueEntry
from queues.views import page_number

from . import charts, opendata, public, statistics

#: A safety net only: the state in the key already changes with every place taken.
PUBLIC_PAGE_SECONDS = 300


def _cached(request, bulletins: Callable[[], QuerySet], *, settlement=None, render_page):
    """The page of ``bulletins()`` asked for, served again while ``public.page_state`` says the same.

    ``bulletins`` is called only to render: building a queryset costs a cached page a third of its view.
    """
    now = clock.now()
    state = public.page_state(page_number(request), settlement=settlement, now=now)
    return shared_page(
        request,
        address=request.path,
        state=(state.number, state.key),
        seconds=PUBLIC_PAGE_SECONDS,
        render=lambda: render_page(public.page_of(bulletins(), state.number), now),
    )


@require_GET
def bulletins(request):
    """The country's latest published bulletins, each with the settlements it offers places in."""

    def render_page(page, now):
        settlements = public.settlements_by_bulletin([bulletin.pk for bulletin in page.object_list])
        context = {
            "page": page,
            "bulletins": [(bulletin, settlements.get(bulletin.pk, [])) for bulletin in page.object_list],
            "now": now,
        }
        return render(request, "bulletins/public/index.html", context)

    return _cached(request, public.published, render_page=render_page)


@require_GET
def settlement_bulletins(request, kato_code):
    """A settlement's published bulletins, newest first, each with its places there."""
    settlement = get_object_or_404(Settlement.objects.select_related("district__region"), kato_code=kato_code)

    def render_page(page, now):
        places = public.places_by_bulletin(page.object_list, settlement=settlement)
        context = {
            "settlement": settlement,
            "page": page,
            "bulletins": [(bulletin, places.get(bulletin.pk, [])) for bulletin in page.object_list],
            "now": now,
        }
        return render(request, "bulletins/public/settlement.html", context)

    return _cached(
        request, lambda: public.published_in(settlement), settlement=settlement, render_page=render_page
    )


OPEN_DATA_PAGE_SIZE = 50
OPEN_DATA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}

#: The statistics pages are counted again at most this often (their figures are by month).
STATISTICS_SECONDS = 600


@require_GET
def statistics_index(request):
    """What the statistics say, and the settlements of the latest bulletins to start from."""
    latest = public.latest_ids()

    def render_page():
        settlements = {
            row["settlement"].pk: row["settlement"]
            for rows in public.settlements_by_bulletin(latest).values()
            for row in rows
        }
        context = {"settlements": sorted(settlements.values(), key=lambda settlement: settlement.name)}
        return render(request, "bulletins/statistics/index.html", context)

    return shared_page(request, state=tuple(latest), seconds=STATISTICS_SECONDS, render=render_page)


@require_GET
def settlement_statistics(request, kato_code):
    """The settlement's queues (birth year x kind), how many stand in each, each leading to its figures."""
    settlement = get_object_or_404(Settlement.objects.select_related("district__region"), kato_code=kato_code)
    queues = list(Queue.objects.filter(settlement=settlement).order_by("-birth_year", "kind"))

    def render_page():
        standing = dict(
            QueueEntry.objects.standing()
            .filter(queue__in=queues)
            .values_list("queue_id")
            .annotate(n=Count("id"))
            .values_list("queue_id", "n")
            .order_by()
        )
        rows = [(queue, standing.get(queue.pk, 0)) for queue in queues]
        return render(
            request, "bulletins/statistics/settlement.html", {"settlement": settlement, "rows": rows}
        )

    state = tuple((queue.pk, queue.version) for queue in queues)
    return shared_page(request, state=state, seconds=STATISTICS_SECONDS, render=render_page)


@require_GET
def queue_statistics(request, kato_code, birth_year, kind):
    """One queue's last twelve months: its length by class, places given, waits, preferences."""
    queue = get_object_or_404(
        Queue.objects.select_related("settlement__district__region"),
        settlement__kato_code=kato_code,
        birth_year=birth_year,
        kind=kind,
    )
    now = clock.now()
    months = statistics.last_months(now)

    def render_page():
        lengths = statistics.queue_length_by_class(queue.pk, months)
        placements = statistics.placement_figures(queue.pk, months)
        context = {
            "queue": queue,
            "settlement": queue.settlement,
            "length_chart": charts.length_chart(months, lengths),
            "given_chart": charts.given_chart(months, placements.given),
            "placements": placements,
        }
        return render(request, "bulletins/statistics/queue.html", context)

    places = queue.bulletin_places.aggregate(taken=Sum("taken"), released=Sum("released"))
    state = (queue.version, months[-1].first_day, clock.today(), places["taken"], places["released"])
    return shared_page(request, state=state, seconds=STATISTICS_SECONDS, render=render_page)


@require_GET
def open_data(request):
    """What the daily open data holds (its columns) and the settlements' files, a page at a time."""
    settlements = Settlement.objects.filter(queues__isnull=False).distinct().order_by("name_kk", "pk")
    page = Paginator(settlements, OPEN_DATA_PAGE_SIZE).get_page(page_number(request))
    context = {
        "page": page,
        "columns": opendata.COLUMNS,
        "export_on": settings.OPEN_DATA_EXPORT,
        "formats": opendata.FORMATS,
    }
    return render(request, "bulletins/open_data.html", context)


def _data_file(kato_code, dataset, fmt) -> Path:
    path = opendata.path_of(kato_code, dataset, fmt)
    if not path.is_file():
        raise Http404
    return path


def _data_file_etag(request, kato_code, dataset, fmt) -> str | None:
    """Size and time of the file's last write: a new export is a new file (``os.replace``), a new ETag."""
    try:
        facts = opendata.path_of(kato_code, dataset, fmt).stat()
    except FileNotFoundError:
        return None
    return quote_etag(f"{facts.st_size}-{facts.st_mtime_ns}")


@require_GET
@condition(etag_func=_data_file_etag)
def open_data_file(request, kato_code, dataset, fmt):
    """The latest export of one settlement's data set, at an address that never changes."""
    response = FileResponse(
        open(_data_file(kato_code, dataset, fmt), "rb"),  # noqa: SIM115 (FileResponse closes it)
        content_type=OPEN_DATA_TYPES[fmt],
    )
    response["Content-Disposition"] = f'inline; filename="{kato_code}-{dataset}.{fmt}"'
    return response
