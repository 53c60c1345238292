"""Row versions inside ORM queries: what a kept page's state statement reads (issue 11).

A page kept in the cache (``core.pagecache.private_page``) is keyed by the
versions of the rows it shows. PostgreSQL gives a row a new ``xmin`` on every
update, so no writer can forget to bump a version. The hand-written state
statements name their tables; these expressions let a state reuse the very
queryset the page reads (the same filter, so the same rows), Django's
aliases and all, and so stay inside ``core.prepared.Prepared``.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Expression, F, Func, QuerySet, TextField, Value
from django.db.models.functions import MD5, Cast


class RowVersion(Func):
    """The version (``xmin``) of the row holding ``column``: ``RowVersion("pk")`` is the row's own,
    ``RowVersion("group__name")`` on a place its group's. Name a column that is not a key of a related
    row: Django reads ``group__id`` from the place's own row, and the version would be the place's."""

    arity = 1
    output_field = TextField()

    def __init__(self, column: str) -> None:
        super().__init__(F(column))

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        table, dot, _name = column.rpartition(".")
        if not dot:
            raise ValueError(f"not a column of a table: {column}")
        return f"{table}.xmin::text", params


def versions_of(queryset: QuerySet, *read: str | Expression) -> Func:
    """One text that changes whenever a row of ``queryset`` comes, goes or changes, hashed (md5): each
    row's id and version, with the version of each row a column of ``read`` names (``RowVersion``) or
    the value of an expression of ``read`` (what depends on the moment, such as whether a window is
    still open), in id order."""
    parts = [RowVersion(item) if isinstance(item, str) else Cast(item, TextField()) for item in read]
    row = Func(Value(":"), Cast("pk", TextField()), RowVersion("pk"), *parts, function="CONCAT_WS",
               output_field=TextField())  # fmt: skip
    rows = ArraySubquery(queryset.order_by("pk").annotate(row_version=row).values("row_version"))
    return MD5(Func(rows, Value(","), function="array_to_string", output_field=TextField()))
