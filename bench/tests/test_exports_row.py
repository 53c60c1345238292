"""The bench's row of the staff export (issue 14): measured on a small queue here, on 30,000 rows in
``make bench``."""

import pytest

from bench import figures
from bulletins.tests.factories import at, group_in, queue_of, waiting
from directory.tests.factories import KindergartenFactory


@pytest.mark.django_db
def test_the_export_row_reads_both_formats_to_their_end(settlement_a):
    waiting(settlement_a, 12, first=at(1, month=11))
    group = group_in(KindergartenFactory(settlement=settlement_a))
    rows = figures.exports_of(queue_of(group))
    assert [row.figure for row in rows] == [
        "staff export of the largest queue (12 rows), CSV",
        "staff export of the largest queue (12 rows), XLSX",
    ]
    for row in rows:
        assert row.met is True
        assert " s, peak " in row.measured
    csv_size, _seconds, peak = figures._download(queue_of(group), "csv")
    assert csv_size > 12 * 30  # twelve rows of a number, a name, a date and a time
    assert peak < 32
