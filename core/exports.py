"""Staff exports as CSV or XLSX, with memory flat however many rows (issue 14, item 2).

A caller gives the column headers (in the user's language) and an iterator of
rows read a batch at a time from the database; nothing here holds more than a
batch. CSV is streamed to the client as it is written (``StreamingHttpResponse``).
XLSX is a zip that can only be finished at its end: openpyxl's write-only mode
writes the rows to a temporary file as they come, and the finished workbook is
kept in memory only while small (``SpooledTemporaryFile``), on disk past that,
then sent in chunks (``FileResponse``).

Dates and times are written for people, as dd.mm.yyyy and dd.mm.yyyy hh:mm
in Asia/Almaty (``core.dates``), in both formats alike, so the two files of the
same export hold the same text cell by cell.
"""

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator
from enum import Enum

from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.functional import Promise

from core import dates

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The finished workbook stays in memory up to this size, and goes to a temporary file past it.
SPOOL_BYTES = 4 * 1024 * 1024
#: Excel opens a CSV as UTF-8 only when it starts with the byte order mark.
BOM = "\ufeff"


def cell(value):
    """A value as the export writes it: dates for people, labels as text, numbers as numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime):
        return dates.format_datetime(value)
    if isinstance(value, datetime.date):
        return dates.format_date(value)
    if isinstance(value, Enum | Promise):
        return str(getattr(value, "label", value))
    return value


def rows_as_cells(rows: Iterable[Iterable]) -> Iterator[list]:
    for row in rows:
        yield [cell(value) for value in row]


class _Echo:
    """A file-like object whose ``write`` returns the line, for ``csv.writer`` to stream through."""

    def write(self, value):
        return value


def csv_response(*, filename: str, headers: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A CSV streamed a row at a time: UTF-8 with a byte order mark, so spreadsheet programs read Cyrillic."""
    writer = csv.writer(_Echo())

    def lines():
        yield BOM + writer.writerow([str(header) for header in headers])
        for row in rows_as_cells(rows):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def write_xlsx(target, *, title: str, headers: list[str], rows: Iterable[Iterable]) -> None:
    """Write a workbook of one sheet to ``target`` (a binary file) in openpyxl's write-only mode."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([str(header) for header in headers])
    for row in rows_as_cells(rows):
        sheet.append(row)
    workbook.save(target)


def xlsx_response(*, filename: str, title: str, headers: list[str], rows: Iterable[Iterable]) -> FileResponse:
    """The workbook, written to a spooled temporary file and sent from it in chunks."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
    write_xlsx(spool, title=title, headers=headers, rows=rows)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE)


def _in_language(rows: Iterable[Iterable], language: str | None) -> Iterator:
    """``rows`` read in ``language``: a streamed body is read after the view returns, when the
    request's language may no longer be the active one."""
    with translation.override(language):
        yield from rows


def response(fmt: str, *, filename: str, title: str, headers: list[str], rows: Iterable[Iterable]):
    """The export in ``fmt`` (one of ``FORMATS``), its labels in the language active now."""
    rows = _in_language(rows, translation.get_language())
    if fmt == "xlsx":
        return xlsx_response(filename=filename, title=title, headers=headers, rows=rows)
    return csv_response(filename=filename, headers=headers, rows=rows)
