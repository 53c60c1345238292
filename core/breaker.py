"""A circuit breaker: after a service fails, leave it alone for a few seconds (issue 6, Redis down).

A page that needs Redis must not wait for it on every call while it is down,
and the logs must say so once, not once per request.
"""

import logging
import time


class Breaker:
    """Remember when ``name`` last failed; ``allows()`` is False for ``pause`` seconds after that.

    The state is per process and shared by its threads: a lost race costs one
    extra call, never a wrong answer. A failure is logged at most once every
    ``log_every`` seconds, and the return once, so an outage reads as two lines.
    """

    def __init__(self, name: str, *, logger: logging.Logger, pause: float = 5.0, log_every: float = 60.0):
        self.name = name
        self.logger = logger
        self.pause = pause
        self.log_every = log_every
        self._open_until = 0.0
        self._logged_at: float | None = None

    def allows(self) -> bool:
        return time.monotonic() >= self._open_until

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        self._open_until = now + self.pause
        if self._logged_at is None or now - self._logged_at >= self.log_every:
            self._logged_at = now
            self.logger.warning("%s unreachable (%s); retrying in %.0f s", self.name, error, self.pause)

    def succeeded(self) -> None:
        if self._logged_at is not None:
            self._logged_at = None
            self.logger.warning("%s answers again", self.name)


_breakers: dict[str, Breaker] = {}


def breaker_for(address: str, *, name: str, logger: logging.Logger, pause: float = 5.0) -> Breaker:
    """This process's breaker for the service at ``address`` (never logged: it may hold a password)."""
    if address not in _breakers:
        _breakers[address] = Breaker(name, logger=logger, pause=pause)
    return _breakers[address]


def close_all() -> None:
    """Forget every outage seen so far (tests: each starts believing every service answers)."""
    _breakers.clear()
