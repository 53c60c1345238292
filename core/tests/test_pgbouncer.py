"""Behind PgBouncer in transaction mode (``DATABASE_POOLER=transaction``), nothing relies on a session.

A throw-away PgBouncer (Debian's ``pgbouncer``, ``make debian-packages``) on a
free port in front of the test database; under ``CI=true`` its absence fails.
With one client's transaction holding a server session, another client's next
statement runs on a different session, and a session the first client left
idle is lent to the next client: what a session kept (a cursor, a lock) is
either gone or someone else's.
"""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from conftest import IN_CI
from core.breaker import Breaker
from drills import pgbouncer as pgbouncer_config
from drills.stack import free_port
from placements import gate

CLOSED_REDIS = "redis://127.0.0.1:1/0"


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True
    return False


@pytest.fixture(scope="module")
def pgbouncer():
    """The port of a PgBouncer in transaction mode in front of the test database's server."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not os.access(binary, os.X_OK):
        if IN_CI:
            pytest.fail("CI=true and pgbouncer is not installed: `make debian-packages` installs it")
        pytest.skip("pgbouncer is not installed (Debian package 'pgbouncer')")
    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        pytest.skip("PgBouncer pools PostgreSQL connections")
    folder = Path(tempfile.mkdtemp(prefix="kezek-pgbouncer-"))
    folder.chmod(0o755)
    port = free_port()
    config = pgbouncer_config.write_config(
        folder,
        server=database["HOST"] or "127.0.0.1",
        server_port=database["PORT"] or 5432,
        listen_port=port,
        pool_size=8,
        user=database["USER"] or "postgres",
        password=database["PASSWORD"] or "",
    )
    as_user = []
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        pwd.getpwnam("postgres")
        for path in folder.iterdir():
            shutil.chown(path, "postgres")
        shutil.chown(folder, "postgres")
    process = subprocess.Popen([*as_user, binary, str(config)], stderr=subprocess.PIPE)  # noqa: S603
    try:
        deadline = time.monotonic() + 10
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "pgbouncer.log").read_text() if (folder / "pgbouncer.log").exists() else ""
                pytest.fail(f"pgbouncer did not start: {process.stderr.read().decode()[-500:]} {log[-500:]}")
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def through_pgbouncer(pgbouncer, transactional_db, settings):
    """This process's Django connections (every thread's) go through PgBouncer, as DATABASE_POOLER says."""
    settings.DATABASE_POOLER = "transaction"
    connection.close()
    keys = ("HOST", "PORT", "DISABLE_SERVER_SIDE_CURSORS")
    saved = {key: connection.settings_dict.get(key) for key in keys}
    connection.settings_dict.update(HOST="127.0.0.1", PORT=pgbouncer, DISABLE_SERVER_SIDE_CURSORS=True)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def run_django(port: int, script: str, **environment) -> subprocess.CompletedProcess:
    """``script`` in a new Django process whose DATABASE_URL is PgBouncer's."""
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@127.0.0.1:{port}/{database['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, **environment}
    command = [sys.executable, "-c", "import django; django.setup()\n" + textwrap.dedent(script)]
    return subprocess.run(  # noqa: S603 (our own script)
        command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


# A chunked read (the open-data export's way) while another client's transaction holds the server
# session the read started on: its next chunk is fetched on another session.
CHUNKED_READ = """
from django.contrib.contenttypes.models import ContentType
from core.pooler import own_connection
rows = ContentType.objects.order_by("pk").iterator(chunk_size=1)
first = next(rows)
other = own_connection("another-client")
other.cursor().execute("SELECT 1")  # its transaction now holds the session the read was on
try:
    read = 1 + len(list(rows))
except Exception as error:
    print("broken:", type(error).__name__)
else:
    print(read, ContentType.objects.count())
"""


@pytest.mark.django_db(transaction=True)
def test_a_chunked_read_is_read_whole_behind_the_pooler_and_broken_without_the_setting(pgbouncer):
    pooled = run_django(pgbouncer, CHUNKED_READ, DATABASE_POOLER="transaction")
    unaware = run_django(pgbouncer, CHUNKED_READ, DATABASE_POOLER="")

    assert pooled.returncode == 0, pooled.stderr[-2000:]
    read, counted = pooled.stdout.split()
    assert int(read) == int(counted) > 1
    assert unaware.stdout.strip() == "broken: InvalidCursorName"  # why DATABASE_POOLER must be set


def test_an_unknown_pooler_mode_is_refused_at_start(pgbouncer):
    refused = run_django(pgbouncer, "pass", DATABASE_POOLER="session")

    assert refused.returncode != 0
    assert "DATABASE_POOLER is 'transaction' or empty, not 'session'" in refused.stderr


BEAT = """
from core.singleton import hold_beat_lock
hold_beat_lock()
print("started", flush=True)
{stay}
"""


@pytest.mark.django_db(transaction=True)
def test_behind_the_pooler_a_second_beat_refuses_to_start_and_a_dead_beats_lock_is_gone(pgbouncer):
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@127.0.0.1:{pgbouncer}/{database['NAME']}",
        "DATABASE_POOLER": "transaction",
    }
    script = "import django; django.setup()\n" + BEAT.format(stay="import time; time.sleep(60)")
    first = subprocess.Popen(  # noqa: S603 (our own script)
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert first.stdout.readline().strip() == "started"
        second = run_django(pgbouncer, BEAT.format(stay=""), DATABASE_POOLER="transaction")
        assert second.returncode != 0
        assert "Another Celery beat holds the schedule's lock" in second.stderr
    finally:
        first.kill()
        first.wait()
    deadline = time.monotonic() + 10  # PgBouncer notices the closed client and ends its transaction
    while (third := run_django(pgbouncer, BEAT.format(stay=""), DATABASE_POOLER="transaction")).returncode:
        assert time.monotonic() < deadline, third.stderr[-1000:]
    assert third.stdout.strip() == "started"


def test_behind_the_pooler_the_gate_without_redis_admits_one_take_per_slot(
    through_pgbouncer, settings, monkeypatch
):
    settings.GATE_LIMIT = 1
    settings.REDIS_URL = CLOSED_REDIS
    monkeypatch.setattr(gate, "redis_breaker", Breaker("Redis", logger=gate.logger))
    holding, done = threading.Event(), threading.Event()

    def another_take():
        try:
            with gate.admission():
                holding.set()
                done.wait(timeout=20)
        finally:
            connection.close()

    other = threading.Thread(target=another_take)
    other.start()
    try:
        assert holding.wait(timeout=20)
        with connection.cursor() as cursor:  # this thread's own statements run on a pooled session too
            cursor.execute("SELECT 1")
        with pytest.raises(gate.Busy), gate.admission():
            pass
    finally:
        done.set()
        other.join(timeout=20)

    for _take in range(3):  # the slot came back, every time
        with gate.admission():
            pass
