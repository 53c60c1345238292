"""A fixed-window counter in the cache, for pages anyone may call (the public checks)."""

from django.core.cache import cache

from .cache import count_with


def within_limit(scope: str, who: str, *, limit: int, window_seconds: int) -> bool:
    """Count one more call of ``who`` in ``scope``; False once the window's ``limit`` is passed.

    The count lives in the shared cache (Redis in production), so every web
    worker sees the same one; it starts again when the window expires. While
    Redis is down the cache falls back to each process's memory
    (``core.cache``): every worker then limits on its own, so a client gets at
    most ``limit`` calls per worker, never an error page. With Redis it costs
    one round trip (``FallbackRedisCache.count_in_window``).
    """
    key = f"rate:{scope}:{who}"
    counter = getattr(cache, "count_in_window", None)
    count = counter(key, window_seconds) if counter else count_with(cache, key, window_seconds)
    return count <= limit
