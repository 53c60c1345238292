"""Many rows of one model in one INSERT, without a model instance per row (a bulletin writes 25,000).

``bulk_create`` builds, and prepares field by field, one instance per row: for
the accesses of a national bulletin, and their audit events and notices, that
costs seconds of Python. Here the values every row shares are prepared once,
and the rows are plain tuples of values the database takes as they are. No
``save``, no signals: the same as ``bulk_create``.
"""

from collections.abc import Iterable, Mapping, Sequence

from django.db import connection, models

_INSERT_SQL = "INSERT INTO {table} ({columns}) VALUES {rows}{returning}"


def insert_rows(
    model: type[models.Model],
    *,
    shared: Mapping[str, object],
    columns: Sequence[str],
    rows: Iterable[Sequence],
    returning: Sequence[str] = (),
) -> list[tuple]:
    """Insert one row per tuple of ``rows``: its values for ``columns``, and ``shared`` for the other fields.

    ``shared`` maps field names to Python values (a related instance stands for
    its key); a field named nowhere gets its default, a callable one called once
    for all rows. Those are prepared for the database once; the tuples' values
    must already be what the database takes (numbers, text, or a field's
    ``get_db_prep_save``). As few statements as the database's limit on
    parameters allows: one on PostgreSQL. Returns one tuple per row, in the
    order of ``rows``: its ``returning`` columns (empty when none are asked for).
    """
    rows = list(rows)
    if not rows:
        return []
    meta = model._meta
    named = {meta.get_field(name) for name in (*shared, *columns)}
    defaults = {
        field: field.get_default()
        for field in meta.concrete_fields
        if field not in named and not field.primary_key
    }
    shared = {**{meta.get_field(name): value for name, value in shared.items()}, **defaults}
    shared_values = [
        field.get_db_prep_save(value.pk if isinstance(value, models.Model) else value, connection)
        for field, value in shared.items()
    ]
    fields = [*shared, *(meta.get_field(name) for name in columns)]
    quote = connection.ops.quote_name
    placeholder = f"({', '.join(['%s'] * len(fields))})"
    batch = connection.ops.bulk_batch_size(fields, rows)
    inserted: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            sql = _INSERT_SQL.format(
                table=quote(meta.db_table),
                columns=", ".join(quote(field.column) for field in fields),
                rows=", ".join([placeholder] * len(chunk)),
                returning=(
                    f" RETURNING {', '.join(quote(meta.get_field(name).column) for name in returning)}"
                    if returning
                    else ""
                ),
            )
            cursor.execute(sql, [value for row in chunk for value in (*shared_values, *row)])
            inserted += cursor.fetchall() if returning else [()] * len(chunk)
    return inserted
