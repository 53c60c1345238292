"""A fixed-window counter in the cache, for pages anyone may call (the public checks)."""

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from .cache import count_with


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` calls of ``who`` in ``scope`` in each window of ``window_seconds``.

    The count lives in the shared cache (Redis in production), so every web
    worker sees the same one; it starts again when the window expires. While
    Redis is down the cache falls back to each process's memory
    (``core.cache``): every worker then limits on its own, so a client gets at
    most ``limit`` calls per worker, never an error page. With Redis it costs
    one round trip (``FallbackRedisCache.count_and_get``).
    """

    scope: str
    who: str
    limit: int
    window_seconds: int

    def count(self, *, read: str | None = None) -> tuple[bool, Any]:
        """Count one more call: whether it is within the limit, and the value cached under ``read``
        (None without), read in the same round trip (``core.pagecache``)."""
        key = f"rate:{self.scope}:{self.who}"
        counter = getattr(cache, "count_and_get", None)
        if counter is not None:
            count, value = counter(key, self.window_seconds, read)
        else:
            count, value = count_with(cache, key, self.window_seconds), cache.get(read) if read else None
        return count <= self.limit, value


def within_limit(scope: str, who: str, *, limit: int, window_seconds: int) -> bool:
    """Count one more call of ``who`` in ``scope``; False once the window's ``limit`` is passed."""
    return Limit(scope, who, limit, window_seconds).count()[0]
