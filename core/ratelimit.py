"""A fixed-window counter in the cache, for pages anyone may call (the public checks)."""

from django.core.cache import cache


def within_limit(scope: str, who: str, *, limit: int, window_seconds: int) -> bool:
    """Count one more call of ``who`` in ``scope``; False once the window's ``limit`` is passed.

    The count lives in the shared cache (Redis in production), so every web
    worker sees the same one; it starts again when the window expires. While
    Redis is down the cache falls back to each process's memory
    (``core.cache``): every worker then limits on its own, so a client gets at
    most ``limit`` calls per worker, never an error page.
    """
    key = f"rate:{scope}:{who}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between the two calls
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count <= limit
