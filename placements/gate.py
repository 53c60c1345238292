"""The bulletin-day admission gate in front of **Get referral** (issue 6; docs/security.md).

On the morning a bulletin is published every parent with access presses
**Get referral** within minutes, and every take locks the same few place rows.
More takes at once than the database can finish only make each one wait
longer while it holds a web worker that the home page and the checks need too.
So at most ``GATE_LIMIT`` takes run at once across all web processes; the rest
get a polite "try again in a few seconds" page at once (HTTP 503 with
``Retry-After``) that keeps what the parent typed.

The count lives in Redis: a sorted set of in-flight tokens scored by Redis's
own clock, checked and added to by one Lua script (atomic), the token removed
when the take ends, whatever the outcome. Tokens older than
``GATE_TIMEOUT_SECONDS`` are dropped first, so a process killed mid-request
never keeps its slot. When Redis cannot be reached, ``GATE_LIMIT`` PostgreSQL
advisory locks do the counting (a killed process's connection closes and its
lock with it); on SQLite, the one-process development default, everyone passes.

The gate stands in front of Django's work (``GateMiddleware``, right after the
CSRF cookie is read): a press turned away is answered before its session, its
user or anything of the take is read, so on bulletin morning the thousands of
presses that must wait cost little more than the bare view, and the CPU goes to
the takes let in.
"""

import contextlib
import functools
import logging
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse

from core.breaker import Breaker
from core.metrics import count_gate_refusal
from core.pooler import behind_transaction_pooler, open_lock_transaction, own_connection

logger = logging.getLogger(__name__)

GATE_KEY = "kezek:gate:take-referral"
#: The first half of the two-number advisory lock keys of the fallback (the second is the slot):
#: a space of its own, apart from the one-number keys ``open_access`` uses.
ADVISORY_LOCK_CLASS = 0x6B7A
REDIS_TIMEOUT_SECONDS = 0.5
#: Short and jittered: a parent turned away comes back before the takes admitted now are done,
#: and those turned away together do not all come back together.
RETRY_AFTER_SECONDS = (1, 3)

# Drop stale tokens, then admit while fewer than the limit are in flight. The score is
# Redis's clock, so web hosts whose clocks differ still agree on what is stale.
ADMIT_SCRIPT = """
local now = redis.call('TIME')
local seconds = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', seconds - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
    return 0
end
redis.call('ZADD', KEYS[1], seconds, ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) * 2)
return 1
"""

_clients: dict[str, redis.Redis] = {}
#: After Redis failed to answer, this process counts with the database for a few seconds: an outage
#: costs one timeout, not one per request.
redis_breaker = Breaker("Admission gate's Redis", logger=logger)


#: Set on a request admitted in front (``GateMiddleware``): the view's own gate takes no second slot.
ADMITTED = "kezek_gate_admitted"


class Busy(Exception):
    """The gate is full: the caller answers with the waiting page and changes nothing."""


@dataclass(frozen=True)
class Gated:
    """How a gated view's waiting page is made: the posted fields it keeps, the URL name to leave for."""

    keep: tuple[str, ...]
    back: str


@contextlib.contextmanager
def admission() -> Iterator[None]:
    """Hold one of the ``GATE_LIMIT`` slots for the duration of the block, or raise ``Busy``.

    The slot is given back however the block ends, an exception included.
    """
    client = _redis()
    if client is not None:
        token = uuid.uuid4().hex
        try:
            admitted = client.eval(
                ADMIT_SCRIPT, 1, GATE_KEY, settings.GATE_LIMIT, settings.GATE_TIMEOUT_SECONDS, token
            )
        except redis.RedisError as error:
            redis_breaker.failed(error)
        else:
            redis_breaker.succeeded()
            if not admitted:
                raise Busy()
            try:
                yield
            finally:
                _forget(client, token)
            return
    with _database_slot():
        yield


def admitted(*, keep: tuple[str, ...], back: str) -> Callable:
    """A view whose POST runs only inside a slot of the gate; beyond the limit, the waiting page at once.

    Normally the slot is taken in front of Django (``GateMiddleware``, which
    finds the view's ``Gated`` on it) and this decorator only lets the admitted
    request through. A POST that reached the view without it (one without a
    session cookie never takes a slot in front, nor here: the view makes the
    sign-in check outside this decorator) is admitted here, before the parent's
    application, the place and the code are read. The fields named in ``keep``
    go back into the waiting page's form; ``back`` is the URL name (with the
    view's own arguments) of the page to leave for.
    """
    gated_by = Gated(keep=keep, back=back)

    def decorator(view):
        @functools.wraps(view)
        def gated(request, *args, **kwargs):
            if request.method != "POST" or getattr(request, ADMITTED, False):
                return view(request, *args, **kwargs)
            try:
                with admission():
                    return view(request, *args, **kwargs)
            except Busy:
                return turned_away(request, gated_by, args=args, kwargs=kwargs)

        gated.gated_by = gated_by  # read by GateMiddleware through the outer decorators' wraps
        return gated

    return decorator


class GateMiddleware:
    """Admission in front of Django: a gated view's POST is let in or turned away before any other work.

    Placed right after ``CsrfViewMiddleware`` (whose cookie the waiting page's
    form needs) and before authentication, the messages and the session's
    lifetime check, so a turned-away press reads no session, no user and no
    row: one Redis call and the waiting page. The slot taken here lasts the
    whole request, so the gate counts every press that does work. A POST
    without a session cookie is nobody's press: it passes untouched (the view
    sends it to sign-in) and never holds a slot. Nothing changes for a press
    turned away, so the CSRF check its retry will pass is not needed here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        gated_by, args, kwargs = _gated_view(request.path_info)
        if gated_by is None:
            return self.get_response(request)
        try:
            with admission():
                setattr(request, ADMITTED, True)
                return self.get_response(request)
        except Busy:
            return turned_away(request, gated_by, args=args, kwargs=kwargs)


def _gated_view(path: str) -> tuple[Gated | None, tuple, dict]:
    try:
        match = resolve(path)
    except Resolver404:
        return None, (), {}
    return getattr(match.func, "gated_by", None), match.args, match.kwargs


def turned_away(request, gated_by: Gated, *, args: tuple, kwargs: dict):
    """The waiting page of a press the full gate turned away, counted for the operators."""
    count_gate_refusal()
    fields = {name: request.POST.get(name, "") for name in gated_by.keep}
    back_url = reverse(gated_by.back, args=args, kwargs=kwargs)
    return waiting_page(request, action=request.path, fields=fields, back_url=back_url)


def in_flight() -> int:
    """How many takes hold a slot in Redis now (stale tokens included until the next admission)."""
    client = _redis()
    return client.zcard(GATE_KEY) if client is not None else 0


def waiting_page(request, *, action: str, fields: dict[str, str], back_url: str = ""):
    """The 503 answer: nothing is lost, try again in a few seconds with the same input.

    ``fields`` go back into hidden inputs of a form posting to ``action``, so one
    button sends exactly what the parent sent, without JavaScript. The pause is
    jittered, so the parents turned away together do not all come back together.
    """
    retry_after = random.randint(*RETRY_AFTER_SECONDS)  # noqa: S311 - jitter, not a secret
    context = {"action": action, "fields": fields, "retry_after": retry_after, "back_url": back_url}
    response = render(request, "placements/gate_wait.html", context, status=503)
    response["Retry-After"] = str(retry_after)
    # Planned, and counted (``count_gate_refusal``): not one "Service Unavailable" error line per
    # press turned away, which on bulletin morning would bury the real errors and cost each answer a log
    # write. Django's own flag for a response already logged.
    response._has_been_logged = True
    return response


def _redis() -> redis.Redis | None:
    url = settings.REDIS_URL
    if not url or not redis_breaker.allows():
        return None
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
    return _clients[url]


def _forget(client: redis.Redis, token: str) -> None:
    try:
        client.zrem(GATE_KEY, token)
    except redis.RedisError as error:  # the token ages out after GATE_TIMEOUT_SECONDS
        redis_breaker.failed(error)


@contextlib.contextmanager
def _database_slot() -> Iterator[None]:
    """One of ``GATE_LIMIT`` PostgreSQL session advisory locks, or ``Busy`` when all are held.

    Session locks, because ``take_referral`` runs its own transactions. They
    live on this request's connection: if the unlock fails the connection is
    closed, which releases them, so no slot outlives its request.
    """
    if connection.vendor != "postgresql":
        yield
        return
    if behind_transaction_pooler():
        with _pooled_database_slot():
            yield
        return
    slots = list(range(settings.GATE_LIMIT))
    random.shuffle(slots)  # spread the tries, so most find a free slot at the first
    held = None
    with connection.cursor() as cursor:
        for slot in slots:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_LOCK_CLASS, slot])
            if cursor.fetchone()[0]:
                held = slot
                break
    if held is None:
        raise Busy()
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_CLASS, held])
        except DatabaseError:
            connection.close()


@contextlib.contextmanager
def _pooled_database_slot() -> Iterator[None]:
    """Behind PgBouncer in transaction mode: the slot is a transaction lock on a connection of its own.

    A session lock taken through the pooler stays with whichever server session
    ran it, which the next client borrows (and a session lock is re-entrant, so
    that client would be admitted on the same slot). The transaction left open
    keeps one server session this slot's until the block ends; closing the
    connection, or the process dying, ends the transaction and frees the slot.
    """
    slots = list(range(settings.GATE_LIMIT))
    random.shuffle(slots)
    holder = own_connection("kezek-gate-slot")
    try:
        open_lock_transaction(holder)
        with holder.cursor() as cursor:
            for slot in slots:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_CLASS, slot])
                if cursor.fetchone()[0]:
                    break
            else:
                raise Busy()
        yield
    finally:
        holder.close()
