"""Many rows of one model in one INSERT ... SELECT, never in Python (a bulletin writes 25,000).

``bulk_create`` builds, and prepares field by field, one instance per row: for
the accesses of a national bulletin, and their audit events and notices, that
costs seconds of Python. Here the rows come from a SELECT and never leave the
database; the values every row shares are prepared once. No ``save``, no
signals: the same as ``bulk_create``.
"""

from collections.abc import Mapping, Sequence

from django.db import connection, models

_INSERT_SELECT_SQL = "INSERT INTO {table} ({columns}) SELECT {shared}source.* FROM ({select}) AS source"
# JSON built in SQL, by vendor (the same functions Django's JSONField lookups use).
_JSON_FUNCTIONS = {"postgresql": ("jsonb_build_object", "jsonb_build_array", "jsonb_agg")}
_STANDARD_JSON_FUNCTIONS = ("json_object", "json_array", "json_group_array")


def insert_select(
    model: type[models.Model],
    *,
    shared: Mapping[str, object],
    columns: Sequence[str],
    select: str,
    params,
    returning: Sequence[str] = (),
) -> int | list[tuple]:
    """Insert one row per row of ``select``: its columns, in order, for ``columns``; ``shared`` for the rest.

    ``shared`` maps field names to Python values (a related instance stands for
    its key); a field named nowhere gets its default, a callable one called once
    for all rows. They are prepared once and passed as parameters named
    ``insert_shared_N``; ``params`` are the named parameters of ``select``.
    The rows never reach Python: one statement however many there are. Returns
    how many were inserted.
    """
    meta = model._meta
    shared = _shared_fields(model, shared, columns)
    shared_params = {f"insert_shared_{index}": value for index, value in enumerate(shared.values())}
    quote = connection.ops.quote_name
    sql = _INSERT_SELECT_SQL.format(
        table=quote(meta.db_table),
        columns=", ".join(quote(field.column) for field in [*shared, *map(meta.get_field, columns)]),
        shared="".join(f"%({name})s, " for name in shared_params),
        select=select,
    )
    if returning:
        sql += f" RETURNING {', '.join(quote(meta.get_field(name).column) for name in returning)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, **shared_params})
        return cursor.fetchall() if returning else cursor.rowcount


def json_object_sql(**values: str) -> str:
    """A SQL expression building a JSON object of ``values`` (SQL expressions), for a JSON column."""
    build = _JSON_FUNCTIONS.get(connection.vendor, _STANDARD_JSON_FUNCTIONS)[0]
    pairs = ", ".join(f"'{key}', {value}" for key, value in values.items())
    return f"{build}({pairs})"


def json_array_sql(*values: str) -> str:
    """A SQL expression building a JSON array of ``values`` (SQL expressions), for a JSON column."""
    build = _JSON_FUNCTIONS.get(connection.vendor, _STANDARD_JSON_FUNCTIONS)[1]
    return f"{build}({', '.join(values)})"


def json_agg_sql(value: str) -> str:
    """A SQL aggregate of ``value`` (a SQL expression) over a group's rows into a JSON array, in the order
    the rows come."""
    build = _JSON_FUNCTIONS.get(connection.vendor, _STANDARD_JSON_FUNCTIONS)[2]
    return f"{build}({value})"


def _shared_fields(model: type[models.Model], shared: Mapping[str, object], columns: Sequence[str]) -> dict:
    """Each field not in ``columns`` (and not the key), with its value prepared once for the database."""
    meta = model._meta
    named = {meta.get_field(name) for name in (*shared, *columns)}
    defaults = {
        field: field.get_default()
        for field in meta.concrete_fields
        if field not in named and not field.primary_key
    }
    values = {**{meta.get_field(name): value for name, value in shared.items()}, **defaults}
    return {
        field: field.get_db_prep_save(value.pk if isinstance(value, models.Model) else value, connection)
        for field, value in values.items()
    }
