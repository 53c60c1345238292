"""The public log of openings: pages for people and a JSON feed for anyone's own check (issue 13).

No sign-in and no personal data: application numbers only, as the log holds
them. Entries never change once written, so a page of them is cached by
browsers and proxies under an ETag of the entries it holds.
"""

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import quote_etag
from django.views.decorators.http import condition, require_GET

from core.pagecache import shared_page_beside, token
from queues.views import page_number

from . import openings
from .models import Opening

PAGE_SIZE = 50
#: How long a page of the log is kept: a new entry changes the head and so the key at once.
LIST_SECONDS = 10 * 60
FEED_SIZE = 500


def _with_places():
    return Opening.objects.select_related("bulletin__district", "queue__settlement")


@require_GET
def opening_list(request):
    """The log, newest first, a page at a time; the head's hash on top.

    Entries never change, so a page is what it was until the next append:
    served again from the cache beside the token every append deletes, both
    read in one round trip (``core.pagecache.shared_page_beside``).
    """
    number = page_number(request)

    def render_page(_token):
        page = Paginator(_with_places().order_by("-seq"), PAGE_SIZE).get_page(number)
        return render(request, "bulletins/openings/list.html", {"page": page, "head": openings.head()})

    return shared_page_beside(
        request,
        state_key=openings.STATE_KEY,
        read_state=lambda: token(openings.STATE_KEY),
        seconds=LIST_SECONDS,
        render=render_page,
        address=request.path,
        extra=number,
    )


@require_GET
def opening_detail(request, seq):
    """One entry whole: whom access went to, in queue order, and the bytes its hash is computed from."""
    entry = get_object_or_404(_with_places(), seq=seq)
    context = {
        "entry": entry,
        "canonical": openings.canonical(openings.payload(entry)).decode("ascii"),
        "feed_url": reverse("bulletins:openings_feed") + f"?after={entry.seq - 1}",
    }
    return render(request, "bulletins/openings/detail.html", context)


def _feed_after(request) -> int:
    try:
        after = int(request.GET.get("after", 0))
    except ValueError:
        raise Http404 from None
    if after < 0:
        raise Http404
    return after


def _feed_etag(request) -> str:
    after = _feed_after(request)
    hashes = list(
        Opening.objects.filter(seq__gt=after).order_by("seq").values_list("hash", flat=True)[:FEED_SIZE]
    )
    return quote_etag(f"{after}-{len(hashes)}-{hashes[-1] if hashes else 'empty'}")


@require_GET
@condition(etag_func=lambda request: _feed_etag(request))
def opening_feed(request):
    """Up to ``FEED_SIZE`` entries after ``?after=`` (a ``seq``) in order, each with its payload and hash.

    Recompute each hash as docs/open-data.md shows (``jq -cSj .payload |
    sha256sum``) and check each ``previous`` against the hash before it.
    """
    after = _feed_after(request)
    entries = list(Opening.objects.filter(seq__gt=after).order_by("seq")[:FEED_SIZE])
    following = None
    if len(entries) == FEED_SIZE:
        following = request.build_absolute_uri(
            reverse("bulletins:openings_feed") + f"?after={entries[-1].seq}"
        )
    return JsonResponse(
        {
            "entries": [{"seq": e.seq, "payload": openings.payload(e), "hash": e.hash} for e in entries],
            "next": request.build_absolute_uri(following) if following else None,
        }
    )
