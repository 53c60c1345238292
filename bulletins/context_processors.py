"""The head of the public log of openings, for the front page to show each day (issue 13).

Lazy: only a page that shows it reads it (from the cache, ``openings.head``).
A context processor rather than an import, so the front page's app, below
``bulletins`` in the layering, never imports it.
"""

from django.utils.functional import SimpleLazyObject

from . import openings


def openings_head(request):
    return {"openings_head": SimpleLazyObject(openings.head)}
