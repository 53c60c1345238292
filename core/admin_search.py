"""The admin's search box without the search term in the URL (docs/security.md, "No IIN in a URL").

Django's changelist search is a GET form: an IIN or a surname typed into it
lands in the address bar, the browser history, the proxy's and gunicorn's access
logs and the ``Referer`` of the next request. Here the box looks and works the
same for a specialist, but posts: the term is kept in the signed-in user's
session under a short random search id, and the changelist's ``?q=`` carries
only that id, in its own links (pages, filters, sorting) as well. An id dies
with the session or after ``SEARCH_LIFETIME``; an unknown one finds nothing.
"""

import secrets
from datetime import timedelta

from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse

from core import clock

SESSION_KEY = "admin_searches"
SEARCH_LIFETIME = timedelta(hours=1)
KEPT_SEARCHES = 20


def remember_search(request, term: str) -> str:
    """A fresh search id for ``term``, kept in the session beside the user's other live searches."""
    now = clock.now().timestamp()
    searches = {
        search_id: kept for search_id, kept in request.session.get(SESSION_KEY, {}).items() if kept[1] > now
    }
    search_id = secrets.token_urlsafe(8)
    searches[search_id] = [term, now + SEARCH_LIFETIME.total_seconds()]
    request.session[SESSION_KEY] = dict(list(searches.items())[-KEPT_SEARCHES:])
    return search_id


def searched_term(request, search_id: str) -> str | None:
    """The term behind ``search_id``: "" for no search, None for an id unknown or expired."""
    if not search_id:
        return ""
    kept = request.session.get(SESSION_KEY, {}).get(search_id)
    if kept is None or kept[1] <= clock.now().timestamp():
        return None
    return kept[0]


class PostedSearchChangeList(ChangeList):
    """A changelist whose ``q`` is a search id; ``search_term`` is what the user typed.

    ``query`` stays the id, so every link the changelist builds carries the id;
    only while the rows are filtered does it hold the term the model admin's
    ``get_search_results`` expects.
    """

    def get_queryset(self, request, exclude_parameters=None):
        search_id = self.query
        self.search_term = searched_term(request, search_id)
        self.query = self.search_term or ""
        try:
            queryset = super().get_queryset(request, exclude_parameters)
        finally:
            self.query = search_id
        return queryset.none() if self.search_term is None else queryset


class PostedSearchMixin:
    """The search box posts to ``<changelist>/search/``; the site adds this to every model admin."""

    def get_changelist(self, request, **kwargs):
        return PostedSearchChangeList

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("search/", self.admin_site.admin_view(self.search_view), name="%s_%s_search" % info),
            *super().get_urls(),
        ]

    def search_view(self, request):
        """Keep the posted term under a new search id; show the changelist with it and the other filters."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        params = request.POST.copy()
        params.pop("csrfmiddlewaretoken", None)
        term = params.pop(SEARCH_VAR, [""])[-1].strip()
        if term:
            params[SEARCH_VAR] = remember_search(request, term)
        url = reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist")
        return redirect(f"{url}?{params.urlencode()}" if params else url)
