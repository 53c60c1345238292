"""Sessions read from the cache and written through to the database (issue 11: no query per page).

Every signed-in page used to read its session row from PostgreSQL. Django's
``cached_db`` engine reads the copy in the cache (Redis in production) and
writes to both, so a page costs no session query while the database stays the
truth: signing out, disabling a user (``accounts.sessions.end_sessions``) and
the retention job delete rows there, and the first two delete the cached copy
too.

One thing ``cached_db`` leaves open: a delete that cannot reach Redis (an
outage, when ``core.cache`` answers from process memory) leaves the copy in
Redis alive for the session's whole lifetime. Here a cached copy lives at most
``SESSION_CACHE_SECONDS``, after which the next page reads the database again,
so a signed-out session stops opening pages within that bound everywhere
(docs/security.md, "Sessions").
"""

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore


class _BoundedCache:
    """The session cache with every entry's lifetime capped at ``SESSION_CACHE_SECONDS``."""

    def __init__(self, cache):
        self._cache = cache

    def set(self, key, value, timeout=None):
        bound = settings.SESSION_CACHE_SECONDS
        return self._cache.set(key, value, bound if timeout is None else min(timeout, bound))

    def __contains__(self, key) -> bool:
        return key in self._cache

    def __getattr__(self, name):
        return getattr(self._cache, name)


class SessionStore(CachedDBStore):
    cache_key_prefix = "kezek.session:"

    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _BoundedCache(self._cache)
