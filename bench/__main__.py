"""Run the benchmark: ``python -m bench [--full] [--reuse] [--applications N]`` (``make bench``)."""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

#: Another name lets several people bench beside each other on one PostgreSQL server.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "kezek_bench")
SERVER_URL = os.environ.get("BENCH_SERVER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DEFAULT_APPLICATIONS = 200_000
FULL_APPLICATIONS = 1_000_000
LARGEST_QUEUE = 32_000
VAR = Path(__file__).resolve().parent.parent / "var"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--full", action="store_true", help=f"{FULL_APPLICATIONS:,} applications.")
    parser.add_argument("--applications", type=int, default=None, help="Another size.")
    parser.add_argument("--reuse", action="store_true", help="Keep the loaded database (BENCH_DATABASE).")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", BENCH_DATABASE):
        parser.error(f"BENCH_DATABASE must be a plain lower-case name: {BENCH_DATABASE!r}")
    applications = args.applications or (FULL_APPLICATIONS if args.full else DEFAULT_APPLICATIONS)
    configure()
    if not args.reuse:
        _fresh_database(applications, args.seed)
    import django

    django.setup()
    from bench import figures, http

    rows = figures.run_all()
    rows += http.run_all()
    figures.print_table(rows, applications=applications)
    return 0


def configure(**settings: str) -> None:
    """Point this process (and the ones it starts) at the bench's database and Redis; ``settings`` add
    environment variables (``python -m bench.profile`` turns ``DEBUG`` off, as the bench's server runs)."""
    os.environ.update(
        DATABASE_URL=f"{SERVER_URL.rsplit('/', 1)[0]}/{BENCH_DATABASE}",
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        DJANGO_ENV="development",
        CELERY_TASK_ALWAYS_EAGER="false",
        AUGUST_FREEZE="false",
        LOG_LEVEL="WARNING",
        # The person register's fake of the bench's country, beside the demo's, never over it.
        REGISTERS_FAKE_FILE=str(VAR / "bench" / f"{BENCH_DATABASE}-persons.sqlite3"),
        **settings,
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kindergarten_queue.settings")


def _fresh_database(applications: int, seed: int) -> None:
    """Drop and create ``BENCH_DATABASE``, migrate it and load the country (timed: a figure of its own)."""
    import psycopg2

    connection = psycopg2.connect(SERVER_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    connection.close()
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], check=True)  # noqa: S603 - our own manage.py
    started = time.monotonic()
    subprocess.run(  # noqa: S603 - our own manage.py
        [
            *manage,
            "generate_national_dataset",
            f"--applications={applications}",
            f"--seed={seed}",
            f"--largest-queue={min(LARGEST_QUEUE, applications // 5)}",
        ],
        check=True,
    )
    os.environ["BENCH_LOAD_SECONDS"] = f"{time.monotonic() - started:.0f}"


if __name__ == "__main__":
    sys.exit(main())
