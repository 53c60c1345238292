"""``python -m drills.pitr`` (``make pitr-drill``): a base backup and its WAL, restored to a point in time.

docs/deployment.md, "Backups and point-in-time recovery". On a throw-away
PostgreSQL cluster (a fresh ``initdb`` on a free loopback port, run as the
``postgres`` user when we are root; the machine's own server is never
touched) with WAL archiving to a local folder, the drill:

1. writes rows, takes a base backup (``pg_basebackup``, WAL streamed with it),
   writes more rows, each acknowledged (its commit returned);
2. notes the target time: the server's clock after the last acknowledged commit;
3. makes the mistake: more rows, then an update of every row (an operator's
   bulk update), and switches the WAL segment so that all of it is archived;
4. stops that server and restores the base backup into a new folder with
   ``restore_command`` and ``recovery_target_time``, promoted at the target;
5. passes when exactly the acknowledged rows of before the target are there,
   with their values as written: none of the mistake's rows or changes.

One line, ``PASS pitr: ...`` or ``FAIL pitr: ...``, and the exit code.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

from .stack import StackError, free_port, postgres_bin, wait_for

DATABASE = "kezek_pitr"
BEFORE_BACKUP = 100
AFTER_BACKUP = 400
MISTAKE_ROWS = 300


class PitrFailed(AssertionError):
    """The restored server does not hold what was acknowledged before the target."""


class Server:
    """One PostgreSQL data folder of the drill, started on its own free port."""

    def __init__(self, drill: "Drill", name: str) -> None:
        self.drill = drill
        self.data = drill.root / name
        self.port = free_port()

    def start(self, *settings: str) -> None:
        options = [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.drill.root}"]
        options += [f"-c {setting}" for setting in settings]
        log = f"{self.data}.log"
        self.drill.run("pg_ctl", "-D", str(self.data), "-o", " ".join(options), "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self.drill.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def connect(self, database: str = DATABASE):
        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database)
        connection.autocommit = True  # every statement its own acknowledged commit (never `with connection`)
        return connection


class Drill:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="kezek-pitr-"))
        self.archive = self.root / "archive"
        self.pg_bin = postgres_bin()
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise StackError("running as root needs the 'postgres' user to own the clusters") from None
            self.root.chmod(0o755)
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.archive.mkdir()
        self.chown(self.root)
        self.chown(self.archive)

    def chown(self, path: Path) -> None:
        if self.as_postgres:
            shutil.chown(path, "postgres", "postgres")

    def run(self, program: str, *args: str, check: bool = True) -> str:
        """One of PostgreSQL's binaries, as ``postgres`` when we are root (the files it writes are its)."""
        result = subprocess.run(  # noqa: S603 (PostgreSQL's own binaries, fixed arguments)
            [*self.as_postgres, str(self.pg_bin / program), *args],
            cwd="/",
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if check and result.returncode != 0:
            raise StackError(f"{program} failed: {result.stderr.strip()[-300:]}")
        return result.stdout

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def insert(connection, first: int, count: int, amount: int) -> int:
    """Rows ``first``..``first + count - 1``, one commit each; the number whose commit returned."""
    acknowledged = 0
    with connection.cursor() as cursor:
        for row in range(first, first + count):
            cursor.execute("INSERT INTO pitr_rows (id, amount) VALUES (%s, %s)", [row, amount])
            acknowledged += 1
    return acknowledged


def archived_up_to(server: Server, segment: str) -> bool:
    with contextlib.closing(server.connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT last_archived_wal FROM pg_stat_archiver")
        archived = cursor.fetchone()[0]
    return bool(archived) and archived >= segment


def run_drill(drill: Drill) -> str:
    started = time.monotonic()
    primary = Server(drill, "primary")
    drill.run("initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    primary.start(
        "wal_level=replica",
        "archive_mode=on",
        f"archive_command='test ! -f {drill.archive}/%f && cp %p {drill.archive}/%f'",
    )
    try:
        with contextlib.closing(primary.connect("postgres")) as connection, connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DATABASE}")
        writer = primary.connect()
        with writer.cursor() as cursor:
            cursor.execute("CREATE TABLE pitr_rows (id integer PRIMARY KEY, amount integer NOT NULL)")
        acknowledged = insert(writer, 1, BEFORE_BACKUP, amount=1)

        base = drill.root / "base"
        drill.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(base), "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        acknowledged += insert(writer, BEFORE_BACKUP + 1, AFTER_BACKUP, amount=1)
        with writer.cursor() as cursor:
            cursor.execute("SELECT clock_timestamp()::text")
            target = cursor.fetchone()[0]
        time.sleep(0.2)  # the mistake's commits are stamped clearly after the target

        insert(writer, acknowledged + 1, MISTAKE_ROWS, amount=1)
        with writer.cursor() as cursor:
            cursor.execute("UPDATE pitr_rows SET amount = 0")  # the operator's mistaken bulk update
            cursor.execute("SELECT pg_walfile_name(pg_switch_wal())")
            last_segment = cursor.fetchone()[0]
        writer.close()
        wait_for(lambda: archived_up_to(primary, last_segment), seconds=60, what="the WAL archived")
    finally:
        primary.stop()
    segments = len([path for path in drill.archive.iterdir() if len(path.name) == 24])

    restore_started = time.monotonic()
    restored = Server(drill, "restored")
    shutil.copytree(base, restored.data)
    restored.data.chmod(0o700)
    with (restored.data / "postgresql.auto.conf").open("a") as conf:
        conf.write(
            f"restore_command = 'cp {drill.archive}/%f %p'\n"
            f"recovery_target_time = '{target}'\n"
            "recovery_target_action = 'promote'\n"
        )
    (restored.data / "recovery.signal").touch()
    for path in [restored.data, *restored.data.rglob("*")]:
        drill.chown(path)
    restored.start("archive_mode=off")
    try:
        wait_for(lambda: not in_recovery(restored), seconds=120, what="the restored server promoted")
        restore_seconds = time.monotonic() - restore_started
        with contextlib.closing(restored.connect()) as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), min(id), max(id), count(*) FILTER (WHERE amount = 1) FROM pitr_rows"
            )
            count, lowest, highest, untouched = cursor.fetchone()
    finally:
        restored.stop()
    if (count, lowest, highest, untouched) != (acknowledged, 1, acknowledged, acknowledged):
        raise PitrFailed(
            f"restored {count} rows (ids {lowest}..{highest}, {untouched} as written); "
            f"expected the {acknowledged} acknowledged before {target}, as written"
        )
    return (
        f"{acknowledged} rows acknowledged before the target ({BEFORE_BACKUP} in the base backup, "
        f"{AFTER_BACKUP} replayed from {segments} archived WAL segments), all back as written; "
        f"0 of the {MISTAKE_ROWS} later rows and the bulk update after it; "
        f"restored in {restore_seconds:.1f} s ({time.monotonic() - started:.0f} s in all)"
    )


def in_recovery(server: Server) -> bool:
    try:
        with contextlib.closing(server.connect("postgres")) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            return cursor.fetchone()[0]
    except psycopg2.OperationalError:  # still starting, or replaying
        return True


def main() -> int:
    drill = None
    try:
        drill = Drill()
        checked = run_drill(drill)
    except (PitrFailed, StackError, psycopg2.Error, OSError, subprocess.SubprocessError) as error:
        print(f"FAIL pitr: {type(error).__name__}: {error}".replace("StackError: ", ""), flush=True)
        if drill is not None:
            print(f"Its folder, kept: {drill.root}")
        return 1
    print(f"PASS pitr: {checked}", flush=True)
    with contextlib.suppress(OSError):
        drill.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
