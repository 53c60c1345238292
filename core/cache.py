"""The cache backend for Redis that keeps pages answering while Redis is down (issue 6, item 9).

Django's ``RedisCache`` raises when Redis is unreachable, and every page that
counts a rate limit would fail with it. ``FallbackRedisCache`` answers from
this process's own memory instead: rate limits then count per process (each
worker alone still limits, more loosely), cached values are simply missing.
Calls wait at most ``REDIS_SOCKET_TIMEOUT`` for Redis, and after a failure the
breaker keeps them off Redis for a few seconds, so an outage costs a page
almost nothing. What was written to memory meanwhile is not copied back.
"""

import logging
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .breaker import breaker_for
from .metrics import redis_timer

logger = logging.getLogger("kezek.cache")

REDIS_SOCKET_TIMEOUT = 0.25  # seconds, to connect and to read; Redis answers in well under a millisecond
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class ReusedClients(RedisCacheClient):
    """Django's Redis cache client, with one ``redis.Redis`` per connection pool instead of one per call.

    Django builds a new ``redis.Redis`` for every cache operation, and redis-py
    fills each new one's table of response callbacks: 0.19 ms of CPU, twice
    what the ``GET`` itself costs, and a cached page is one or two of them
    (docs/performance.md, "The fourth look"). A client holds no connection of
    its own (it borrows one from the pool per command), so one per pool is safe
    in every thread.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        options = {
            "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
            "socket_timeout": REDIS_SOCKET_TIMEOUT,
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClients
        location = server if isinstance(server, str) else ",".join(server)
        # One breaker per process, whichever thread's cache object (Django makes one per thread) trips it.
        self._breaker = breaker_for(f"cache {location}", name="Redis cache", logger=logger)
        self._memory = LocMemCache(f"redis-fallback:{location}", params)

    def _either(self, method: str, *args, **kwargs):
        """Call ``method`` on Redis, or on this process's memory while Redis is unreachable."""
        if self._breaker.allows():
            try:
                with redis_timer(method):
                    result = getattr(super(), method)(*args, **kwargs)
            except UNREACHABLE as error:
                self._breaker.failed(error)
            else:
                self._breaker.succeeded()
                return result
        return getattr(self._memory, method)(*args, **kwargs)

    def reaches_redis(self) -> bool:
        """Whether calls go to Redis now, not to this process's memory (``core.pagecache``)."""
        return self._breaker.allows()

    def add(self, *args, **kwargs):
        return self._either("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._either("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._either("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._either("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._either("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._either("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._either("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._either("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._either("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._either("delete_many", *args, **kwargs)

    def clear(self):
        self._memory.clear()
        return self._either("clear")

    def count_in_window(self, key: str, window_seconds: int) -> int:
        """One more call counted under ``key``, the window's expiry set by its first call (core.ratelimit).

        ``INCR`` and ``EXPIRE NX`` in one pipeline: one round trip where Django's
        ``add`` and ``incr`` take three. Counted in memory while Redis is unreachable.
        """
        return self.count_and_get(key, window_seconds)[0]

    def count_and_get(self, key: str, window_seconds: int, read: str | None = None) -> tuple[int, Any]:
        """``count_in_window``, and the value cached under ``read`` (None without) in the same round trip:
        a page served from the cache to a visitor who is counted pays one round trip, not two."""
        if self._breaker.allows():
            redis_key = self.make_and_validate_key(key)
            try:
                with redis_timer("count_in_window"):
                    pipeline = self._cache.get_client(redis_key, write=True).pipeline(transaction=False)
                    pipeline.incr(redis_key)
                    pipeline.expire(redis_key, window_seconds, nx=True)
                    if read is not None:
                        pipeline.get(self.make_and_validate_key(read))
                    count, _expiry_set, *found = pipeline.execute()
            except UNREACHABLE as error:
                self._breaker.failed(error)
            else:
                self._breaker.succeeded()
                value = found[0] if found else None
                return count, None if value is None else self._cache._serializer.loads(value)
        return count_with(self._memory, key, window_seconds), self._memory.get(read) if read else None


def count_with(cache, key: str, window_seconds: int) -> int:
    """``count_in_window`` for any Django cache: ``incr``, or ``add`` for a window's first call."""
    try:
        return cache.incr(key)
    except ValueError:
        if cache.add(key, 1, timeout=window_seconds):
            return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between the two calls
        cache.set(key, 1, timeout=window_seconds)
        return 1
