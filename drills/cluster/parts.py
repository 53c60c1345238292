"""The cluster's servers, each started in its own host's namespace (docs/deployment.md, "The cluster drill").

- ``pg1``: the PostgreSQL primary, a fresh ``initdb`` run as the ``postgres``
  user under the cluster's folder, listening on its own host's 5432 (each
  namespace has its own ports: the machine's server is never touched). It
  also holds the primary's *service address*, which DATABASE_URL names.
- ``pg2``: its hot standby, made by ``pg_basebackup`` and streaming from it,
  synchronously: a commit the primary acknowledged is on the standby too,
  so promoting it loses nothing. DATABASE_REPLICA_URL names it.
- ``redis``: a throw-away ``redis-server``.
- ``mq``: a throw-away RabbitMQ node (``rabbitmq-server`` with its own node,
  folders and config, as the ``rabbitmq`` user); the machine's own is not used.
- ``web1``, ``web2``: the Procfile's ``web`` line (gunicorn), each behind its own
  PgBouncer in transaction mode on the host's loopback, in front of the
  primary's service address (``DATABASE_POOLER=transaction``): the shape of
  docs/deployment.md, "PgBouncer". The replica is read directly.
- ``worker``: the Procfile's ``worker`` and ``notices`` lines, and ``beat``:
  the only beat in the cluster, connected straight to the primary; ``migrate``
  runs there too (a migration holds its session: never through the pooler).
- ``lb``: Debian's nginx balancing between the two web hosts.
"""

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from drills import pgbouncer
from drills.nginx import executable as nginx_executable
from drills.nginx import nginx_config
from drills.stack import StackError, postgres_bin, wait_for

from . import net

PROJECT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
#: A fixed place, so that `make cluster-down` finds what `make cluster` made (root-owned, 755).
ROOT = Path("/tmp/kezek-cluster")  # noqa: S108
STATE = ROOT / "state.json"
DATABASE = "kezek"
PG_PORT = 5432
SECRET_KEY = "cluster-drill-only-secret-key-" + "k" * 40
WEB_HOSTS = ("web1", "web2")

NGINX_HTTP = """
    # Open-source nginx checks its upstreams passively: a node that refuses or times out is
    # skipped for fail_timeout, and the request goes to the other one (GET only: never a
    # POST twice). Operators and the drill ask each node's /readyz before it takes traffic.
    upstream web {{
        server {web1}:8000 max_fails=1 fail_timeout=5s;
        server {web2}:8000 max_fails=1 fail_timeout=5s;
        keepalive 16;
    }}
    server {{
        listen 80;
        location = /metrics {{ return 404; }}  # Prometheus scrapes each node directly, never through here
        location / {{
            proxy_pass http://web;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            {request_id}
            proxy_connect_timeout 1s;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
        }}
    }}
}}
"""

#: Each web host's PgBouncer (drills/pgbouncer.py), on its loopback: the node's gunicorn threads share
#: POOL_SIZE server connections.
PGBOUNCER_PORT = 6432
POOL_SIZE = 5

RABBITMQ_CONFIG = """loopback_users = none
listeners.tcp.default = 5672
"""


class Cluster:
    """The cluster's folder, its processes (by host and role) and how to reach each part."""

    def __init__(self) -> None:
        self.pg_bin = postgres_bin()
        self.processes: dict[str, int] = {}
        if STATE.exists():
            self.processes = json.loads(STATE.read_text())["processes"]

    # --- the environment every Django process of the cluster gets ----------------------------

    def env(self, host: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "DJANGO_", "PROMETHEUS_"))
        }
        prometheus = ROOT / host / "prometheus"
        prometheus.mkdir(parents=True, exist_ok=True)
        env.update(
            {
                "PATH": f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}",
                "DJANGO_ENV": "production",
                "SECRET_KEY": SECRET_KEY,
                "ALLOWED_HOSTS": ",".join(
                    [net.HOSTS["lb"], net.HOSTS["web1"], net.HOSTS["web2"], "localhost"]
                ),
                "SECURE_SSL_REDIRECT": "false",
                **self.database_env(host),
                "DATABASE_REPLICA_URL": f"postgres://postgres@{net.HOSTS['pg2']}:{PG_PORT}/{DATABASE}",
                "REDIS_URL": f"redis://{net.HOSTS['redis']}:6379/0",
                "CELERY_BROKER_URL": f"amqp://guest:guest@{net.HOSTS['mq']}:5672//",
                "CELERY_TASK_ALWAYS_EAGER": "false",
                "TRUSTED_PROXIES": f"{net.HOSTS['lb']}/32",
                # nginx sets X-Request-ID on every request (drills.nginx.REQUEST_ID): the id the client
                # sees is the one on the web node's JSON log lines and audit events.
                "REQUEST_ID_FROM_PROXY": "true",
                "LOG_FORMAT": "json",
                "FORWARDED_ALLOW_IPS": net.HOSTS["lb"],
                "METRICS_ALLOWED_NETWORKS": f"{net.SUBNET}.0/24",
                "PROMETHEUS_MULTIPROC_DIR": str(prometheus),
                "BIND": "0.0.0.0:8000",
                "CELERY_METRICS_PORT": "9808",  # the worker host's /metrics
                "STATIC_ROOT": str(ROOT / "static"),
                "OUTBOX_DIR": str(ROOT / "outbox"),
                "PRIVATE_MEDIA_ROOT": str(ROOT / "private"),
                "AUGUST_FREEZE": "false",
                # The drill's clients all come from the runner's one address: no per-address limit for them.
                "PUBLIC_CHECK_LOOKUPS_PER_WINDOW": "100000000",
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def database_env(self, host: str) -> dict[str, str]:
        """A web host reaches the primary through its own PgBouncer; every other host directly."""
        if host in WEB_HOSTS:
            return {
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PGBOUNCER_PORT}/{DATABASE}",
                "DATABASE_POOLER": "transaction",
            }
        return {"DATABASE_URL": f"postgres://postgres@{net.PRIMARY_SERVICE_ADDRESS}:{PG_PORT}/{DATABASE}"}

    # --- processes -------------------------------------------------------------------------

    def spawn(
        self, name: str, host: str, command: list[str], *, user: str = "", env: dict | None = None
    ) -> int:
        """Start ``command`` in ``host``'s namespace, as its own process group; remembered by ``name``."""
        prefix = ["runuser", "-u", user, "--"] if user else []
        log = open(ROOT / "logs" / f"{name}.log", "a")  # noqa: SIM115 - the process writes it until stopped
        process = subprocess.Popen(  # noqa: S603 (our servers, fixed arguments)
            [*net.in_host(host), *prefix, *command],
            cwd=PROJECT,
            env=env if env is not None else self.env(host),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process.pid
        self.save()
        return process.pid

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        pid = self.processes.pop(name, None)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, sig)
        self.save()

    def save(self) -> None:
        STATE.write_text(json.dumps({"processes": self.processes}, indent=1))

    def run(self, host: str, command: list[str], *, timeout: float = 600, user: str = "") -> str:
        """Run ``command`` in ``host`` and return what it printed; StackError when it fails.

        Its output goes to files, not pipes: a daemon it leaves behind (``pg_ctl start``'s server)
        would hold a pipe open, and waiting for the pipe's end would wait for the daemon's.
        """
        prefix = ["runuser", "-u", user, "--"] if user else []
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            result = subprocess.run(  # noqa: S603 (our tools, fixed arguments)
                [*net.in_host(host), *prefix, *command],
                cwd=PROJECT if not user else "/",
                env=self.env(host),
                stdout=out,
                stderr=err,
                timeout=timeout,
                check=False,
            )
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        with open(ROOT / "logs" / "commands.log", "a") as file:
            file.write(f"[{host}] $ {shlex.join(command)}\n{stdout}{stderr}\n")
        if result.returncode != 0:
            raise StackError(f"[{host}] {shlex.join(command[:4])} failed: {stderr.strip()[-400:]}")
        return stdout

    def inside(self, *args: str) -> dict:
        """``drills.inside`` on the first web host: the project's own use cases against the cluster."""
        output = self.run("web1", [PYTHON, "-m", "drills.inside", *args])
        return json.loads(output.strip().splitlines()[-1])

    # --- PostgreSQL -------------------------------------------------------------------------

    def pg(self, program: str) -> str:
        return str(self.pg_bin / program)

    def pgdata(self, host: str) -> Path:
        return ROOT / host / "pgdata"

    def start_primary(self) -> None:
        data = self.pgdata("pg1")
        self._postgres_folder(data)
        self.run(
            "pg1",
            [self.pg("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
            user="postgres",
        )
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(
                f"listen_addresses = '*'\nport = {PG_PORT}\nunix_socket_directories = '{data.parent}'\n"
                "wal_level = replica\nmax_wal_senders = 10\nhot_standby = on\nwal_keep_size = '512MB'\n"
                # Drills kill processes, not machines: the page cache survives, fsync buys nothing here.
                "fsync = off\nfull_page_writes = off\nmax_connections = 200\n"
            )
        with open(data / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {net.SUBNET}.0/24 trust\nhost replication all {net.SUBNET}.0/24 trust\n")
        self.start_postgres("pg1")
        self.psql("pg1", "postgres", f'CREATE DATABASE "{DATABASE}"')

    def start_replica(self) -> None:
        data = self.pgdata("pg2")
        self._postgres_folder(data)
        conninfo = f"host={net.HOSTS['pg1']} port={PG_PORT} user=postgres application_name=kz_replica"
        self.run(
            "pg2",
            [self.pg("pg_basebackup"), "-d", conninfo, "-D", str(data), "-R", "-X", "stream", "-c", "fast"],
            user="postgres",
        )
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"unix_socket_directories = '{data.parent}'\n")  # beside its data, not in it
        self.start_postgres("pg2")
        # From now on a commit returns once the standby has it too: promotion loses nothing acknowledged.
        # (Not before: with no standby attached yet, every commit would wait.)
        self.psql("pg1", "postgres", "ALTER SYSTEM SET synchronous_standby_names = 'kz_replica'")
        self.psql("pg1", "postgres", "SELECT pg_reload_conf()")

    def _postgres_folder(self, data: Path) -> None:
        data.mkdir(parents=True)
        shutil.chown(data.parent, "postgres", "postgres")  # its log lives beside it
        shutil.chown(data, "postgres", "postgres")
        data.chmod(0o700)

    def start_postgres(self, host: str) -> None:
        data = self.pgdata(host)
        self.run(
            host,
            [self.pg("pg_ctl"), "-D", str(data), "-l", str(ROOT / host / "postgres.log"), "-w", "start"],
            user="postgres",
        )

    def postmaster_pid(self, host: str) -> int | None:
        pid_file = self.pgdata(host) / "postmaster.pid"
        return int(pid_file.read_text().split()[0]) if pid_file.exists() else None

    def stop_postgres(self, host: str, mode: str = "fast") -> None:
        if mode == "kill":
            pid = self.postmaster_pid(host)
            if pid:
                os.kill(pid, signal.SIGKILL)
                wait_for(lambda: not _alive(pid), seconds=10, what=f"{host} postmaster gone")
            return
        self.run(
            host, [self.pg("pg_ctl"), "-D", str(self.pgdata(host)), "-m", mode, "-w", "stop"], user="postgres"
        )

    def psql(self, host: str, database: str, sql: str) -> str:
        return self.run(
            "lb",  # any other host: the statement crosses the network like the web hosts' do
            [
                *[self.pg("psql"), "-h", net.HOSTS[host], "-p", str(PG_PORT), "-U", "postgres"],
                *["-d", database, "-v", "ON_ERROR_STOP=1", "-tAc", sql],
            ],
        ).strip()

    def start_pgbouncer(self, host: str) -> None:
        """``host``'s PgBouncer, run as ``postgres`` (it refuses root), on the host's 127.0.0.1:6432."""
        folder = ROOT / host / "pgbouncer"
        folder.mkdir(parents=True)
        config = pgbouncer.write_config(
            folder,
            server=net.PRIMARY_SERVICE_ADDRESS,
            server_port=PG_PORT,
            listen_port=PGBOUNCER_PORT,
            pool_size=POOL_SIZE,
            database=DATABASE,
        )
        subprocess.run(["chown", "-R", "postgres:postgres", str(folder)], check=True)  # noqa: S603, S607
        self.spawn(
            f"{host}-pgbouncer",
            host,
            [shutil.which("pgbouncer") or "/usr/sbin/pgbouncer", str(config)],
            user="postgres",
        )
        probe = f"import socket; socket.create_connection(('127.0.0.1', {PGBOUNCER_PORT}), 1).close()"
        wait_for(lambda: self._succeeds(host, [PYTHON, "-c", probe]), seconds=10, what=f"{host}'s pgbouncer")

    def _succeeds(self, host: str, command: list[str]) -> bool:
        try:
            self.run(host, command, timeout=10)
        except StackError:
            return False
        return True

    # --- Redis, RabbitMQ --------------------------------------------------------------------

    def start_redis(self) -> None:
        self.spawn(
            "redis",
            "redis",
            [
                *["redis-server", "--bind", net.HOSTS["redis"], "--port", "6379", "--protected-mode", "no"],
                *["--save", "", "--appendonly", "no"],
            ],
        )
        wait_for(lambda: _answers("redis", 6379), seconds=15, what="redis-server start")

    def start_rabbitmq(self) -> None:
        folder = ROOT / "mq"
        for sub in ("mnesia", "log"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        (folder / "rabbitmq.conf").write_text(RABBITMQ_CONFIG)
        (folder / "enabled_plugins").write_text("[].\n")
        (folder / "rabbitmq-env.conf").write_text("")  # not the machine's /etc/rabbitmq one
        subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", str(folder)], check=True)  # noqa: S603, S607
        env = {
            "PATH": "/usr/lib/rabbitmq/bin:/usr/sbin:/usr/bin:/bin",
            "HOME": str(folder),
            "RABBITMQ_CONF_ENV_FILE": str(folder / "rabbitmq-env.conf"),
            "RABBITMQ_NODENAME": "rabbit@localhost",
            "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(folder / "log"),
            "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(folder / "rabbitmq.pid"),
        }
        self.spawn("rabbitmq", "mq", ["/usr/lib/rabbitmq/bin/rabbitmq-server"], user="rabbitmq", env=env)
        wait_for(lambda: _answers("mq", 5672), seconds=90, what="rabbitmq-server start", every=1)

    def stop_rabbitmq(self) -> None:
        """Stop the node and everything it started in its host (epmd too): a whole broker restart."""
        self.kill("rabbitmq", signal.SIGTERM)
        for pid in net.pids_in(net.namespace("mq")):
            signal_quietly(pid, signal.SIGTERM)
        wait_for(lambda: not net.pids_in(net.namespace("mq")), seconds=30, what="rabbitmq stopped", every=0.5)

    # --- Django's hosts ---------------------------------------------------------------------

    def procfile(self, role: str) -> str:
        for line in (PROJECT / "Procfile").read_text().splitlines():
            if line.startswith(f"{role}:"):
                return line.split(":", 1)[1].strip()
        raise StackError(f"the Procfile has no {role!r} line")

    def start_web(self, host: str) -> None:
        shutil.rmtree(ROOT / host / "prometheus", ignore_errors=True)  # multiprocess files of a run before
        # Each node's control socket in its own folder: by default every gunicorn on the machine shares one.
        extra = f"--graceful-timeout 5 --control-socket {ROOT / host / 'gunicorn.ctl'}"
        self.spawn(f"{host}-web", host, ["sh", "-c", f"exec {self.procfile('web')} {extra}"])
        wait_for(lambda: self.readyz(host), seconds=60, what=f"{host} /readyz", every=0.5)

    def start_worker(self) -> None:
        for role in ("worker", "notices", "beat"):
            command = self.procfile(role).replace(
                "var/celerybeat-schedule", str(ROOT / "celerybeat-schedule")
            )
            self.spawn(role, "worker", ["sh", "-c", f"exec {command}"])

    def start_lb(self) -> None:
        folder = ROOT / "lb"
        folder.mkdir(exist_ok=True)
        config = folder / "nginx.conf"
        config.write_text(
            nginx_config(
                NGINX_HTTP, folder=folder, connections=1024, web1=net.HOSTS["web1"], web2=net.HOSTS["web2"]
            )
        )
        self.spawn("nginx", "lb", [nginx_executable(), "-p", str(folder), "-c", str(config)])
        wait_for(lambda: _answers("lb", 80), seconds=10, what="nginx start")

    def readyz(self, host: str) -> dict | None:
        from .client import get_json

        return get_json(f"http://{net.HOSTS[host]}:8000/readyz", timeout=3)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def signal_quietly(pid: int, sig: int) -> None:
    """Signal a process of ours that may have exited already."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _answers(host: str, port: int) -> bool:
    import socket

    try:
        socket.create_connection((net.HOSTS[host], port), timeout=0.5).close()
    except OSError:
        return False
    return True
