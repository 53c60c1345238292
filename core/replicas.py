"""Public read-only pages read from a streaming replica (issue 16; docs/deployment.md, "Read replicas").

With ``DATABASE_REPLICA_URL`` set, Django has a second alias, ``replica``: a
PostgreSQL hot standby. The views named in ``REPLICA_READ_VIEWS`` (the front
pages and the public check: pages anyone may open, that change nothing) read
from it, so bulletin morning's crowd of checks does not load the primary that
takes the referrals. Everything else, every write and every read outside those
views, stays on the primary. Without the setting nothing here has any effect.

Three rules keep a reader from seeing the past:

- **Read your writes.** A request that asked for a change (any method but GET,
  HEAD, OPTIONS) leaves a cookie that lives ``REPLICA_STICKY_SECONDS``; while
  the browser holds it, even the public pages read from the primary, so a
  parent who has just withdrawn an application never sees it still queued.
  The cookie only ever sends its holder to the primary, so a forged one costs
  nothing but the primary's time.
- **Lag.** Each process measures the replica's lag (seconds since the last
  replayed transaction, or 0 when it has replayed all it received) at most
  every ``REPLICA_CHECK_SECONDS``; past ``REPLICA_MAX_LAG_SECONDS`` the pages
  read from the primary until it catches up.
- **Down.** A replica that does not answer (``connect_timeout`` of the alias)
  is left alone for ``REPLICA_RETRY_SECONDS``; a page whose replica query
  failed is rendered again from the primary (it changed nothing, so running
  it twice is harmless), so the reader gets the page, not an error.
"""

import contextvars
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
#: Set on a response to a change; its presence sends the browser's reads to the primary.
STAMP_COOKIE = "kezek_wrote"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# 0 when the standby has replayed everything it received (an idle primary sends nothing, so the
# last replay's age alone would grow without lag); otherwise the age of the last replayed commit.
# A server not in recovery (a promoted replica, or the tests' stand-in) has no lag.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""

_reads_from_replica = contextvars.ContextVar("kezek_reads_from_replica", default=False)


@dataclass(frozen=True)
class ReplicaState:
    usable: bool
    lag: float | None  # None: not measured (the replica did not answer)
    checked_at: float  # time.monotonic()
    error: str = ""


_state: ReplicaState | None = None
_measuring = threading.Lock()


def configured() -> bool:
    return REPLICA in settings.DATABASES


def state() -> ReplicaState | None:
    """The replica's last known state in this process, measured again when old; None without a replica."""
    global _state
    if not configured():
        return None
    current = _state
    # One thread measures; the others use the last state meanwhile (or wait for the first one).
    if (current is None or _is_stale(current)) and _measuring.acquire(blocking=current is None):
        try:
            _state = current = measure()
        finally:
            _measuring.release()
    return _state or current


def _is_stale(current: ReplicaState) -> bool:
    interval = settings.REPLICA_CHECK_SECONDS if current.usable else settings.REPLICA_RETRY_SECONDS
    return time.monotonic() - current.checked_at >= interval


def measure() -> ReplicaState:
    """Ask the replica for its lag; usable when it answers and is no further behind than the setting."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = float(cursor.fetchone()[0])
    except DatabaseError as error:
        connections[REPLICA].close()
        return _down(error)
    usable = lag <= settings.REPLICA_MAX_LAG_SECONDS
    if not usable:
        logger.warning("The replica is %.1f s behind: public pages read from the primary", lag)
    return ReplicaState(usable=usable, lag=lag, checked_at=time.monotonic())


def _down(error: Exception) -> ReplicaState:
    logger.warning("The replica does not answer, public pages read from the primary: %s", error)
    return ReplicaState(usable=False, lag=None, checked_at=time.monotonic(), error=str(error).strip())


def forget_state() -> None:
    """Measure again at the next read (the tests; a process that learns the topology changed)."""
    global _state
    _state = None


class ReplicaRouter:
    """Reads of the views ``ReplicaReadsMiddleware`` chose go to the replica while it is usable."""

    def db_for_read(self, model, **hints):
        if _reads_from_replica.get() and configured():
            current = state()
            if current is not None and current.usable:
                return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: an object read from one may refer to one from the other.
        return {obj1._state.db, obj2._state.db} <= {"default", REPLICA} or None

    def allow_migrate(self, db, app_label, **hints):
        return False if db == REPLICA else None  # a hot standby is read-only; it follows the primary


class ReplicaReadsMiddleware:
    """Chooses, per request, whether the view reads from the replica; sets the read-your-writes cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _reads_from_replica.set(False)
        try:
            response = self.get_response(request)
        finally:
            _reads_from_replica.reset(token)
        if configured() and request.method not in SAFE_METHODS and response.status_code < 500:
            response.set_cookie(
                STAMP_COOKIE,
                "1",
                max_age=settings.REPLICA_STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            configured()
            and request.method in ("GET", "HEAD")
            and request.resolver_match.view_name in settings.REPLICA_READ_VIEWS
            and STAMP_COOKIE not in request.COOKIES
        ):
            _reads_from_replica.set(True)
            request.reads_from_replica = True

    def process_exception(self, request, exception):
        """A database error on a replica page: measure the replica again and render the page from the primary.

        The error may have been the primary's; measuring, rather than marking the
        replica down, keeps a healthy replica in use then.
        """
        if not (getattr(request, "reads_from_replica", False) and isinstance(exception, DatabaseError)):
            return None
        global _state
        connections[REPLICA].close()
        _state = measure()
        _reads_from_replica.set(False)
        request.reads_from_replica = False
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)
