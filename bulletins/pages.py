"""Public pages of the queue's record (issue 13): bulletins, statistics and open data, no sign-in.

A parent told to "study the bulletin of free places" finds it here: every
place with its kindergarten, group, birth year, language, queue kind, how
many are still free and who may take it now. No child's or parent's data.
Pages are served again from the cache beside a token every write they show
deletes on its commit (``public.shown_changed``), so they are exact.
"""

from pathlib import Path

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import quote_etag
from django.views.decorators.http import condition, require_GET

from core import clock
from core.pagecache import shared_page, shared_page_beside, token
from directory.models import Settlement
from queues.models import Queue, QueueEntry
from queues.views import page_number

from . import charts, opendata, public, statistics

#: A safety net only: every write the pages show deletes the token they are kept beside. It bounds the
#: one case the token misses: a write whose delete Redis never got (it was unreachable), once it is back.
PUBLIC_PAGE_SECONDS = 60


def _kept(request, render_page, *, number: int = 1, key: str = public.PLACES_KEY, seconds: int):
    """The page ``render_page(now)`` renders, kept beside the token under ``key``, served while it stays.

    Read with its token in one round trip (``core.pagecache.shared_page_beside``), keyed on the path, the
    page number asked for and the day in Asia/Almaty: a priority window only ends at midnight, so a
    page's phases hold for its day. A cached page costs no query.
    """
    now = clock.now()
    return shared_page_beside(
        request,
        state_key=key,
        read_state=lambda: token(key),
        seconds=seconds,
        render=lambda _token: render_page(now),
        address=request.path,
        extra=(number, timezone.localdate(now)),
    )


def _page_of_bulletins(request, bulletins: QuerySet, number: int, render_page):
    """The page ``number`` of ``bulletins``, or a redirect to the last one for a number past it: a page is
    kept under the number it shows, so nobody can fill the cache with copies of the last page."""
    page = public.page_of(bulletins, number)
    if page.number != number:
        return redirect(f"{request.path}?page={page.number}")
    return render_page(page)


@require_GET
def bulletins(request):
    """The country's latest published bulletins, each with the settlements it offers places in."""
    number = page_number(request)

    def render_page(now):
        def with_settlements(page):
            settlements = public.settlements_by_bulletin([bulletin.pk for bulletin in page.object_list])
            context = {
                "page": page,
                "bulletins": [(bulletin, settlements.get(bulletin.pk, [])) for bulletin in page.object_list],
                "now": now,
            }
            return render(request, "bulletins/public/index.html", context)

        return _page_of_bulletins(request, public.published(), number, with_settlements)

    return _kept(request, render_page, number=number, seconds=PUBLIC_PAGE_SECONDS)


@require_GET
def settlement_bulletins(request, kato_code):
    """A settlement's published bulletins, newest first, each with its places there."""
    number = page_number(request)

    def render_page(now):
        settlements = Settlement.objects.select_related("district__region")
        settlement = get_object_or_404(settlements, kato_code=kato_code)

        def with_places(page):
            places = public.places_by_bulletin(page.object_list, settlement=settlement)
            context = {
                "settlement": settlement,
                "page": page,
                "bulletins": [(bulletin, places.get(bulletin.pk, [])) for bulletin in page.object_list],
                "now": now,
            }
            return render(request, "bulletins/public/settlement.html", context)

        return _page_of_bulletins(request, public.published_in(settlement), number, with_places)

    return _kept(request, render_page, number=number, seconds=PUBLIC_PAGE_SECONDS)


OPEN_DATA_PAGE_SIZE = 50
OPEN_DATA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}

#: The statistics pages are counted again at most this often (their figures are by month).
STATISTICS_SECONDS = 600


@require_GET
def statistics_index(request):
    """What the statistics say, and the settlements of the latest bulletins to start from."""

    def render_page(_now):
        latest = public.latest_ids()
        settlements = {
            row["settlement"].pk: row["settlement"]
            for rows in public.settlements_by_bulletin(latest).values()
            for row in rows
        }
        context = {"settlements": sorted(settlements.values(), key=lambda settlement: settlement.name)}
        return render(request, "bulletins/statistics/index.html", context)

    return _kept(request, render_page, key=public.PUBLISHED_KEY, seconds=PUBLIC_PAGE_SECONDS)


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
