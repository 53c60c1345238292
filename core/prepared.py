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
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

#: Stand-ins by type: values no request has (a negative id, a string with a NUL, a moment in 1901).
STAND_INS = {
    int: lambda n: -7_340_000_000_000 - n,
    str: lambda n: f"\x00stand-in-{n}\x00",
    datetime.datetime: lambda n: datetime.datetime(1901, 2, 3, 4, 5, 6, n + 1, tzinfo=datetime.UTC),
}


class StandInNotFound(Exception):
    """A value given to the query did not reach its parameters as given: it cannot be prepared."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: list
    slots: dict[int, str]  # index in ``params`` -> the name of the value that goes there
    converters: list[tuple[int, tuple, object]]  # column, the ORM's converters, their expression


class Prepared:
    """``build(**values)`` compiled once; ``rows(**values)`` runs its SQL with these values.

    ``build`` answers a ``values_list`` queryset: each row comes back as that
    queryset would give it, through the same converters. ``kinds`` names each
    value's type (``int``, ``str`` or ``datetime.datetime``).
    """

    def __init__(self, build: Callable[..., QuerySet], **kinds: type) -> None:
        self._build = build
        self._kinds = kinds
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, *, using: str = "default", **values) -> list[tuple]:
        compiled = self._compiled_for(using)
        params = list(compiled.params)
        for index, name in compiled.slots.items():
            params[index] = values[name]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not compiled.converters:
            return rows
        return [_converted(row, compiled.converters, connection) for row in rows]

    def _compiled_for(self, using: str) -> _Compiled:
        if using not in self._compiled:
            with self._lock:
                if using not in self._compiled:
                    self._compiled[using] = self._compile(using)
        return self._compiled[using]

    def _compile(self, using: str) -> _Compiled:
        stand_ins = {name: STAND_INS[kind](n) for n, (name, kind) in enumerate(self._kinds.items())}
        compiler = self._build(**stand_ins).using(using).query.get_compiler(using)
        sql, params = compiler.as_sql()
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
        columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
        converters = [
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(columns).items()
        ]
        return _Compiled(sql=sql, params=params, slots=slots, converters=converters)


def concrete_columns(model, *, through: str = "") -> list[str]:
    """Every concrete column of ``model`` for a ``values_list``, reached through the relation ``through``."""
    prefix = f"{through}__" if through else ""
    return [f"{prefix}{field.attname}" for field in model._meta.concrete_fields]


def instances_of(row: tuple, *models) -> list:
    """An instance of each of ``models`` from consecutive runs of ``row`` (their ``concrete_columns``).

    What ``select_related`` builds from its joined row, without compiling the
    query each time; the caller links the instances it needs linked.
    """
    made, start = [], 0
    for model in models:
        names = [field.attname for field in model._meta.concrete_fields]
        made.append(model.from_db(DEFAULT_DB_ALIAS, names, row[start : start + len(names)]))
        start += len(names)
    return made


def table_names(**models) -> dict[str, str]:
    """Each model's table, quoted for this database, by the name a hand-written statement gives it."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    return {name: quote(model._meta.db_table) for name, model in models.items()}


def _converted(row: tuple, converters: list, connection) -> tuple:
    """The row as the ORM gives it (``SQLCompiler.apply_converters``, with this thread's connection)."""
    row = list(row)
    for position, functions, expression in converters:
        value = row[position]
        for convert in functions:
            value = convert(value, expression, connection)
        row[position] = value
    return tuple(row)
