"""``python -m drills.cluster up|down|drill``: ``make cluster``, ``cluster-down``, ``cluster-drill``."""

import json
import shutil
import signal
import sys
import time

from drills.stack import StackError

from . import net
from .drills import DRILLS, DrillFailed
from .parts import PGBOUNCER_PORT, POOL_SIZE, ROOT, STATE, WEB_HOSTS, Cluster, signal_quietly

WORLD = ROOT / "world.json"


def up() -> int:
    if net.namespaces_left() or ROOT.exists():
        down()
    started = time.monotonic()
    (ROOT / "logs").mkdir(parents=True)
    ROOT.chmod(0o755)  # the postgres and rabbitmq users reach their folders through it
    cluster = Cluster()
    cluster.save()
    try:
        net.up()
        cluster.start_primary()
        cluster.start_replica()
        cluster.start_redis()
        cluster.start_rabbitmq()
        cluster.run("web1", [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"])
        cluster.run("worker", [sys.executable, "manage.py", "migrate", "--no-input", "-v0"])  # not pooled
        for host in WEB_HOSTS:
            cluster.start_pgbouncer(host)
        WORLD.write_text(json.dumps(cluster.inside("load")))
        for host in WEB_HOSTS:
            cluster.start_web(host)
        cluster.start_worker()
        cluster.start_lb()
    except (StackError, OSError) as error:
        print(f"The cluster did not start: {error}\nLogs: {ROOT / 'logs'}; `make cluster-down` removes it.")
        return 1
    print(f"Kezek's cluster is up in {time.monotonic() - started:.0f} s (folder {ROOT}):")
    for line in where():
        print(f"  {line}")
    return 0


def where() -> list[str]:
    hosts = net.HOSTS
    return [
        f"load balancer  nginx       http://{hosts['lb']}/ (netns kz-lb)",
        f"web node 1     gunicorn    http://{hosts['web1']}:8000/ (netns kz-web1; /healthz /readyz /metrics)",
        f"web node 2     gunicorn    http://{hosts['web2']}:8000/ (netns kz-web2)",
        f"poolers        PgBouncer   127.0.0.1:{PGBOUNCER_PORT} on each web node, transaction mode, "
        f"{POOL_SIZE} server connections each",
        f"primary        PostgreSQL  {net.PRIMARY_SERVICE_ADDRESS}:5432 on {hosts['pg1']} (netns kz-pg1)",
        f"replica        PostgreSQL  {hosts['pg2']}:5432, hot standby, synchronous (netns kz-pg2)",
        f"cache          Redis       {hosts['redis']}:6379 (netns kz-redis)",
        f"broker         RabbitMQ    {hosts['mq']}:5672 (netns kz-mq)",
        f"worker host    celery worker, notices and the only beat on {hosts['worker']} (netns kz-worker)",
        f"logs           {ROOT / 'logs'}",
    ]


def down() -> int:
    cluster = Cluster()
    for name in list(cluster.processes):
        cluster.kill(name)
    for ns in net.namespaces_left():  # PostgreSQL's daemons and RabbitMQ's epmd: started by us, in our hosts
        for pid in net.pids_in(ns):
            signal_quietly(pid, signal.SIGKILL)
    time.sleep(1)
    net.down()
    shutil.rmtree(ROOT, ignore_errors=True)
    print("The cluster is down: its namespaces, links, processes and folder are gone.")
    return 0


def drill(names: list[str]) -> int:
    if not STATE.exists() or not WORLD.exists():
        print("No cluster: run `make cluster` first.")
        return 2
    cluster = Cluster()
    world = json.loads(WORLD.read_text())
    failures = 0
    for name in names or list(DRILLS):
        started = time.monotonic()
        try:
            checked = DRILLS[name](cluster, world)
        except Exception as error:  # a broken drill still gets its line, and the others run
            failures += 1
            why = (
                str(error)
                if isinstance(error, DrillFailed | StackError)
                else f"{type(error).__name__}: {error}"
            )
            print(f"FAIL {name}: {why}", flush=True)
        else:
            print(f"PASS {name}: {checked} ({time.monotonic() - started:.0f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["up"]
    sys.exit({"up": lambda: up(), "down": lambda: down(), "drill": lambda: drill(rest)}[command]())
