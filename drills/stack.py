"""A throw-away production shape for the drills: PostgreSQL, Redis, gunicorn and a Celery worker.

Everything runs on loopback, on free ports, from a temporary folder that is
removed afterwards; the machine's own PostgreSQL (5432) and Redis (6379) are
never touched. The PostgreSQL cluster is a fresh ``initdb`` with trust
authentication; as root its binaries run as the ``postgres`` user. Django
itself runs only in subprocesses (``manage.py``, gunicorn, Celery and
``drills.inside``), each given this stack's environment, so the drill runner
holds no connection of its own that a fault could confuse.
"""

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
DATABASE = "kezek_drill"
#: Variables of the caller's shell that must not leak into the drill's processes.
FOREIGN = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "DJANGO_SETTINGS_MODULE",
)


class StackError(RuntimeError):
    """The stack could not be set up: every drill fails with this reason."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise StackError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return Path(found[-1]).parent


def wait_for(check, *, seconds: float, what: str, every: float = 0.1):
    """Poll ``check`` until it returns something true; StackError after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise StackError(f"{what}: not within {seconds:.0f} s")


class Stack:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="kezek-drill-"))
        self.logs = self.root / "logs"
        self.logs.mkdir()
        self.outbox = self.root / "outbox"
        self.pgdata = self.root / "pgdata"
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.web_port = free_port()
        self.pg_bin = postgres_bin()
        self.as_postgres: list[str] = []
        self.processes: dict[str, subprocess.Popen] = {}

    # --- the whole stack ------------------------------------------------------------------

    def start(self) -> None:
        self._init_postgres()
        self.start_postgres()
        self.start_redis()
        self.postgres("createdb", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", DATABASE)
        # Production pages need the static manifest: collect it while the database migrates.
        self.spawn("collectstatic", [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"])
        self.manage("migrate", "--no-input", "-v0")

    def close(self, *, keep: bool) -> None:
        for name in list(self.processes):
            self.stop(name)
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.postgres("pg_ctl", "-D", str(self.pgdata), "-m", "immediate", "stop", check=False)
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def env(self, database: str = DATABASE) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in FOREIGN}
        env.update(
            {
                "DJANGO_ENV": "production",
                "SECRET_KEY": "drill-only-secret-key-" + "x" * 40,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SECURE_SSL_REDIRECT": "false",
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pg_port}/{database}",
                "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "CONN_MAX_AGE": "60",
                "OUTBOX_DIR": str(self.outbox),
                "PRIVATE_MEDIA_ROOT": str(self.root / "private"),
                "STATIC_ROOT": str(self.root / "static"),
                "AUGUST_FREEZE": "false",  # the drills publish a bulletin whatever the month
                # One queue per transaction: the queues before the one the worker_killed drill holds
                # locked are committed when the worker is killed, so the kill is in the middle.
                "OPEN_ACCESS_BATCH_QUEUES": "1",
                "LOG_LEVEL": "WARNING",
                # The behind_nginx drill's proxy: X-Forwarded-For is believed from it alone.
                "TRUSTED_PROXIES": "127.0.0.1/32",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def has_outbox_app(self) -> bool:
        """Whether the transactional outbox of tasks (``dispatch``) is part of this checkout."""
        return (PROJECT / "dispatch" / "services.py").exists()

    # --- Django in subprocesses ---------------------------------------------------------------

    def manage(self, *args: str) -> None:
        self._run([PYTHON, "manage.py", *args], log="manage")

    def inside(self, *args: str, database: str = DATABASE, timeout: float = 120) -> dict:
        """Run ``drills.inside`` with this stack's environment; its answer, the JSON it prints last."""
        output = self._run(
            [PYTHON, "-m", "drills.inside", *args], log="inside", database=database, timeout=timeout
        )
        return json.loads(output.strip().splitlines()[-1])

    def _run(self, command: list[str], *, log: str, database: str = DATABASE, timeout: float = 300) -> str:
        result = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
            command,
            cwd=PROJECT,
            env=self.env(database),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        with open(self.logs / f"{log}.log", "a") as file:
            file.write(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}\n")
        if result.returncode != 0:
            lines = [line for line in (result.stderr or result.stdout).splitlines() if line.strip(" ^~")]
            raise StackError(f"{' '.join(command[1:4])} failed: {(lines or ['no output'])[-1].strip()}")
        return result.stdout

    # --- PostgreSQL ---------------------------------------------------------------------------

    def _init_postgres(self) -> None:
        self.pgdata.mkdir()
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise StackError("running as root needs the 'postgres' user to own the cluster") from None
            self.root.chmod(0o755)  # the postgres user reaches its data folder through ours
            shutil.chown(self.pgdata, "postgres", "postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.postgres(
            "initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        )

    def postgres(self, program: str, *args: str, check: bool = True) -> str:
        """Run one of the cluster's binaries (the server's own as ``postgres`` when we are root)."""
        owner = self.as_postgres if program in ("initdb", "pg_ctl") else []
        result = subprocess.run(  # noqa: S603 (PostgreSQL's own binaries, fixed arguments)
            [*owner, str(self.pg_bin / program), *args],
            cwd="/",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check and result.returncode != 0:
            raise StackError(f"{program} failed: {result.stderr.strip()[-300:]}")
        return result.stdout

    def start_postgres(self) -> None:
        options = (
            f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -k {self.pgdata} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.postgres(
            "pg_ctl", "-D", str(self.pgdata), "-o", options, "-l", str(self.pgdata / "log"), "-w", "start"
        )

    def stop_postgres(self) -> None:
        self.postgres("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")

    def sql(self, statement: str, database: str = DATABASE) -> str:
        return self.postgres(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.pg_port),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-tAc",
            statement,
        ).strip()

    def connect(self, database: str = DATABASE):
        """A psycopg2 connection of the runner's own, for holding locks and counting rows."""
        import psycopg2

        return psycopg2.connect(host="127.0.0.1", port=self.pg_port, user="postgres", dbname=database)

    # --- Redis, gunicorn, Celery ---------------------------------------------------------------

    def start_redis(self) -> None:
        self.spawn(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )
        wait_for(self._redis_answers, seconds=10, what="redis-server start")

    def _redis_answers(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.redis_port), 0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
        return False

    def start_web(self) -> None:
        if self.processes.pop("collectstatic").wait(timeout=300) != 0:
            raise StackError("collectstatic failed (logs/collectstatic.log)")
        self.spawn(
            "web",
            [
                str(BIN / "gunicorn"),
                "kindergarten_queue.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                "2",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
            ],
        )
        wait_for(
            lambda: self.get("/", timeout=2)[0] == 200, seconds=30, what="gunicorn answering /", every=0.3
        )

    def start_worker(self) -> None:
        self.spawn(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "kindergarten_queue",
                "worker",
                "--hostname",
                f"drill{time.time_ns()}@%h",
                "--queues",
                "celery,notifications,documents",
                "--concurrency",
                "2",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )

    def spawn(self, name: str, command: list[str]) -> None:
        log = open(self.logs / f"{name}.log", "a")  # noqa: SIM115 - the process writes it until stopped
        self.processes[name] = subprocess.Popen(  # noqa: S603 (the stack's servers, fixed arguments)
            command, cwd=PROJECT, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group: the main process and every child, no goodbye."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def get(self, path: str, *, timeout: float) -> tuple[int, float]:
        """GET ``path`` from gunicorn: the status (0 for no answer at all) and the seconds it took."""
        started = time.monotonic()
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.web_port}{path}", timeout=timeout
            ) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (urllib.error.URLError, OSError):
            status = 0
        return status, time.monotonic() - started
