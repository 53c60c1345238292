"""The bench's reference pages, mounted only when ``settings.BENCHMARK_VIEWS`` is on (``make bench``)."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

#: Small and fixed, so its cost is Django's request cycle and the middleware, nothing else.
BARE_ANSWER = {"service": "kezek", "status": "ok"}
#: The whole of a take reduced to the one statement that decides it (``bulletins.services.claim_place``).
CLAIM_SQL = "UPDATE bulletins_bulletinplace SET taken = taken + 1 WHERE id = %s AND taken < places"


@require_GET
def bare(request):
    """A fixed JSON through the middleware of every page: the ceiling the HTTP figures are read against."""
    return JsonResponse(BARE_ANSWER)


@csrf_exempt  # the bench's own loader posts no form; the view is never mounted outside the bench
@require_POST
def claim(request, place_id: int):
    """Only the conditional UPDATE of one place row, committed: the ceiling of a rush's takes per second.

    Through the same middleware as every page; no session, code, audit or
    outbox. Whether a row was claimed is the answer, so a full row is seen.
    """
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, [place_id])
        claimed = cursor.rowcount == 1
    return JsonResponse({"claimed": claimed})
