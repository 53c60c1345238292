"""The point-in-time recovery drill (``make pitr-drill``) passes, so the runbook it follows keeps working."""

import glob

import pytest

from conftest import IN_CI
from drills import pitr


def test_a_base_backup_and_the_wal_archive_restore_exactly_what_was_acknowledged_before_the_target(capsys):
    if not glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"):
        if IN_CI:
            pytest.fail("CI=true and no PostgreSQL server binaries: install the Debian package 'postgresql'")
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")

    assert pitr.main() == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("PASS pitr: 500 rows acknowledged before the target"), line
    assert "0 of the 300 later rows" in line
