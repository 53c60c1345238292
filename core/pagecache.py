"""Whole public pages served again from the cache, under the state they show (issue 11).

On bulletin day the same public pages (the front pages, a checked number) are
asked for again and again, and rendering them is most of their cost
(docs/performance.md, "Where a request's time goes"). A page is a function of
its address, the language and some state the view reads cheaply (a queue's
versions, the time the area figures were counted); cached under all three it
is the page this request would render. Only pages that are the same for every
visitor are kept: a signed-in person's menu, or a message waiting to be shown
to this visitor alone, never enters the cache and never comes out of it.

A signed-in parent's own pages (``private_page``) are kept apart, under the
user and the session's CSRF secret as well: the page carries a token of that
secret in its forms, so it is served again only to the browser it was made
for, and only while everything it shows (the ``state`` the view reads in one
statement) is unchanged.
"""

import hashlib
import uuid
from collections.abc import Callable, Hashable

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .ratelimit import Limit


def shared_page(
    request: HttpRequest,
    *,
    state: Hashable,
    seconds: int,
    render: Callable[[], HttpResponse],
    address: str | None = None,
    limit: Limit | None = None,
    refused: Callable[[], HttpResponse] | None = None,
) -> HttpResponse:
    """The page cached for this address, language and ``state``, else ``render()`` (kept when shareable).

    ``render`` must answer with a page that depends on nothing but those three;
    only a 200 is kept, so a refusal or an error is never served to the next
    visitor. ``address`` is the request's path with its query string unless
    the view names a shorter one: a view whose query holds free text (a page
    number anyone can spell a thousand ways) keys on its path and puts what it
    read from the query, normalised, in ``state``, so nobody can fill the cache
    with copies of one page. A page whose visitors are rate-limited counts the
    visit under ``limit`` in the round trip that reads the page, and answers
    ``refused()`` past it.
    """
    key = _key(address or request.get_full_path(), state) if is_shared(request) else None
    if limit is None:
        content = cache.get(key) if key else None
    else:
        allowed, content = limit.count(read=key)
        if not allowed:
            return refused()
    return _served(key, content, seconds, render)


def private_page(
    request: HttpRequest, *, state: Hashable | None, seconds: int, render: Callable[[], HttpResponse]
) -> HttpResponse:
    """The signed-in person's page cached for this user, CSRF secret, address, language and ``state``.

    ``state`` None (a database whose rows carry no version) renders every time.
    Without a CSRF secret yet (its first page) or with a message waiting, the
    page is rendered and not kept: the next request has the secret the page's
    forms were signed with.
    """
    secret = request.META.get("CSRF_COOKIE")
    if state is None or not secret or len(messages.get_messages(request)):
        return render()
    key = _key(request.get_full_path(), ("private", request.user.pk, secret, state))
    return _served(key, cache.get(key), seconds, render)


def shared_page_beside(
    request: HttpRequest,
    *,
    state_key: str,
    read_state: Callable[[], Hashable],
    seconds: int,
    render: Callable[[Hashable], HttpResponse],
    address: str,
    extra: Hashable = (),
) -> HttpResponse:
    """``shared_page`` for a page whose state the cache itself holds under ``state_key`` (a log's head).

    The state and the page are read in one round trip: the page is kept beside
    the state it was rendered at, under the address, language and ``extra``
    (what the view read from the query), and served only while the cache still
    holds that state. ``read_state`` reads it where the cache has lost it, in
    the form the cache keeps it; ``render(state)`` renders the page at it.
    While Redis is unreachable every page is rendered: a write in another
    process cannot change the state this one's memory holds.
    """
    if not is_shared(request) or not reaches_every_process():
        return render(read_state())
    key = _key(address, extra)
    found = cache.get_many([state_key, key])
    state = found[state_key] if state_key in found else read_state()
    kept = found.get(key)
    if kept is not None and kept[0] == state:
        return HttpResponse(kept[1])
    response = render(state)
    if response.status_code == 200:
        cache.set(key, (state, response.content), seconds)
    return response


def is_shared(request: HttpRequest) -> bool:
    """Whether this visitor sees what every visitor sees: signed out, no message waiting for them."""
    return not request.user.is_authenticated and not len(messages.get_messages(request))


def reaches_every_process() -> bool:
    """Whether the cache is the one every process writes to: a state it holds (a token a write deletes)
    is current only there, never in one process's memory while Redis is unreachable (``core.cache``)."""
    reaches = getattr(cache, "reaches_redis", None)
    return reaches is None or reaches()


def token(key: str) -> str:
    """The token under ``key``, or a new one stored there where the cache holds none (after a write).

    What is kept beside a token (a page, a log's head) is read from the
    database after the token was read or stored, so a write that commits after
    that deletes it (``tokens_changed``) and the kept copy is never served. A
    new token is random, never a counter, so a lost key never brings back a
    token old copies are kept beside.
    """
    return cache.get_or_set(key, lambda: uuid.uuid4().hex, None)


def tokens_changed(*keys: str) -> None:
    """Call inside a write that what is kept beside ``keys`` shows: the tokens go now and on its commit.

    Deleted on the commit, not only before it: a reader between the two may
    have read the old rows beside a new token, which the commit then deletes.
    """
    cache.delete_many(list(keys))
    transaction.on_commit(lambda: cache.delete_many(list(keys)))


def _served(
    key: str | None, content: bytes | None, seconds: int, render: Callable[[], HttpResponse]
) -> HttpResponse:
    """``content`` read under ``key``, else ``render()``, kept under ``key`` (if any) when it is a 200:
    a refusal or an error is never served to the next visitor."""
    if content is not None:
        return HttpResponse(content)
    response = render()
    if key and response.status_code == 200:
        cache.set(key, response.content, seconds)
    return response


def _key(address: str, state: Hashable) -> str:
    page = repr((address, translation.get_language(), state))
    return "shared-page:" + hashlib.sha256(page.encode()).hexdigest()
