"""A query compiled to SQL once a process and run again with other values (issue 11).

Building a queryset and compiling it costs the web process a millisecond or
more for a query with joins and subqueries: on a page served from the cache
(``core.pagecache``) that compile was most of the request. The SQL of such a
query never changes, only its values do. ``Prepared`` compiles the query once,
built with stand-in values no real request can carry, finds where each stands
in the compiled parameters and, for each run, puts the real values there.

A stand-in the ORM transformed (or folded into the SQL) is not found, and the
query is refused when it is first prepared, never run with a wrong value.
"""

import datetime
import threading
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

#: Stand-ins by type: values no request has (a negative id, a string with a NUL, a moment in 1901).
STAND_INS = {
    int: lambda n: -7_340_000_000_000 - n,
    str: lambda n: f"\x00stand-in-{n}\x00",
    datetime.datetime: lambda n: datetime.datetime(1901, 2, 3, 4, 5, 6, n + 1, tzinfo=datetime.UTC),
}


class StandInNotFound(Exception):
    """A value given to the query did not reach its parameters as given: it cannot be prepared."""


class Prepared:
    """``build(**values)`` compiled once; ``rows(**values)`` runs its SQL with these values.

    ``kinds`` names each value's type (``int``, ``str`` or ``datetime.datetime``).
    """

    def __init__(self, build: Callable[..., QuerySet], **kinds: type) -> None:
        self._build = build
        self._kinds = kinds
        self._compiled: dict[str, tuple[str, list, dict[int, str]]] = {}
        self._lock = threading.Lock()

    def rows(self, *, using: str = "default", **values) -> list[tuple]:
        sql, params, slots = self._compiled_for(using)
        params = list(params)
        for index, name in slots.items():
            params[index] = values[name]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _compiled_for(self, using: str) -> tuple[str, list, dict[int, str]]:
        if using not in self._compiled:
            with self._lock:
                if using not in self._compiled:
                    self._compiled[using] = self._compile(using)
        return self._compiled[using]

    def _compile(self, using: str) -> tuple[str, list, dict[int, str]]:
        stand_ins = {name: STAND_INS[kind](n) for n, (name, kind) in enumerate(self._kinds.items())}
        queryset = self._build(**stand_ins).using(using)
        sql, params = queryset.query.get_compiler(using).as_sql()
        params = list(params)
        slots = {
            index: name
            for index, param in enumerate(params)
            for name, stand_in in stand_ins.items()
            if type(param) is type(stand_in) and param == stand_in
        }
        missing = set(stand_ins) - set(slots.values())
        if missing:
            raise StandInNotFound(f"not among the compiled parameters: {sorted(missing)}")
        return sql, params, slots
