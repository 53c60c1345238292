"""The bench's reference page, mounted only when ``settings.BENCHMARK_VIEWS`` is on (``make bench``)."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

#: Small and fixed, so its cost is Django's request cycle and the middleware, nothing else.
BARE_ANSWER = {"service": "kezek", "status": "ok"}


@require_GET
def bare(request):
    """A fixed JSON through the middleware of every page: the ceiling the HTTP figures are read against."""
    return JsonResponse(BARE_ANSWER)
