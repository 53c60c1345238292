"""The cluster's drills, in order, one PASS/FAIL line each (``make cluster-drill``).

Each drill breaks one part the way it breaks in production, checks what a
parent or an operator would notice, and mends it, so the next drill starts
from a whole cluster. The primary's failover comes last: it changes the
cluster for good (the replica is the primary afterwards).
"""

import collections
import contextlib
import json
import re
import signal
import threading
import time
import uuid
from pathlib import Path

import psycopg2

from drills.stack import wait_for

from . import net
from .client import Load, get, request_id
from .parts import PG_PORT, ROOT, Cluster, signal_quietly

LB = f"http://{net.HOSTS['lb']}"


class DrillFailed(AssertionError):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise DrillFailed(message)


def public_urls(world: dict) -> list[str]:
    return [f"{LB}/", f"{LB}/check/?number={world['number']}", f"{LB}/districts/199000000/"]


def web_node_killed(cluster: Cluster, world: dict) -> str:
    """SIGKILL one web host's gunicorn under load: nginx sends the rest to the other; the errors are at most
    the requests that host had in flight."""
    threads = 8
    with Load(public_urls(world), threads=threads) as load:
        wait_for(lambda: load.snapshot()[200] >= 20, seconds=30, what="the load answered", every=0.2)
        before = load.snapshot()
        cluster.kill("web1-web")
        load.wait(6)
    after = load.snapshot()
    served = after[200] - before[200]
    errors = load.errors
    cluster.start_web("web1")
    expect(served > 0, "nothing was served after web1 died")
    expect(errors <= threads, f"{errors} errors, more than the {threads} requests in flight: {dict(after)}")
    total = sum(after.values())
    return f"{total} requests, {errors} errors (at most {threads} in flight), {served} served after the kill"


def request_id_joins(cluster: Cluster, world: dict) -> str:
    """The id a client sees is the one on the web node's JSON log line: the client's own, or nginx's."""
    given = f"drill-{uuid.uuid4().hex[:12]}"
    ids = [request_id(f"{LB}/no-such-page/", sent=given), request_id(f"{LB}/no-such-page/")]
    expect(ids[0] == given, f"the client sent {given}, the answer carried {ids[0]!r}")
    expect(re.fullmatch(r"[0-9a-f]{32}", ids[1]) is not None, f"nginx's own id looks like {ids[1]!r}")
    wait_for(lambda: set(ids) <= _logged_request_ids(), seconds=10, what="both ids on a web node's log line")
    return f"the client's id and nginx's own ({ids[1]}) are on the web nodes' JSON log lines"


def _logged_request_ids() -> set[str]:
    """The request ids of the web nodes' JSON log lines (gunicorn's plain access lines skipped)."""
    found = set()
    for host in ("web1", "web2"):
        log = ROOT / "logs" / f"{host}-web.log"
        for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    found.add(json.loads(line).get("request_id"))
    return found


def redis_cut_off(cluster: Cluster, world: dict) -> str:
    """Both web hosts lose Redis (packets dropped, no error): pages, positions and a new application work."""
    for host in ("web1", "web2"):
        net.cut(host, "redis")
    try:
        with Load(public_urls(world), threads=4) as load:
            load.wait(8)
        readiness = cluster.readyz("web1")
        submitted = cluster.inside("submit")  # on web1, cut off too: the notice goes through RabbitMQ
    finally:
        for host in ("web1", "web2"):
            net.mend(host, "redis")
    counted = load.snapshot()
    expect(load.errors == 0, f"pages failed without Redis: {dict(counted)}")
    expect(readiness is not None, "web1 was not ready without Redis")
    expect(readiness["checks"]["redis"]["ok"] is False, "web1's /readyz did not see Redis gone")
    status, body = get(f"{LB}/check/?number={submitted['number']}")
    # The check's answer lists the status and each queue's position (a <dt> each); an unknown number has none.
    expect(status == 200 and b"<dt>" in body, "the application made without Redis is not found by the check")
    return (
        f"{counted[200]} pages, 0 errors without Redis; /readyz degraded but ready; an application submitted"
    )


def rabbitmq_restart(cluster: Cluster, world: dict) -> str:
    """Restart the broker while a bulletin's publication is worked: every access and notice, none twice."""
    outbox = ROOT / "outbox"
    before = set(outbox.glob("*-sms-*.txt")) if outbox.exists() else set()
    cluster.inside("publish", str(world["bulletin"]))
    cluster.stop_rabbitmq()
    time.sleep(2)
    cluster.start_rabbitmq()
    checked = wait_for(
        lambda: (lambda result: result if result["ok"] else None)(
            cluster.inside("check_access", str(world["bulletin"]))
        ),
        seconds=180,
        what="every access opened after the broker came back",
        every=5,
    )
    accesses = checked["accesses"]
    notices = wait_for(
        lambda: (lambda found: found if len(found) >= accesses else None)(_new_notices(outbox, before)),
        seconds=120,
        what=f"{accesses} access notices",
        every=3,
    )
    time.sleep(5)  # a duplicate would arrive now
    notices = _new_notices(outbox, before)
    twice = [key for key, count in collections.Counter(notices).items() if count > 1]
    expect(not twice, f"{len(twice)} notices were sent twice")
    return (
        f"broker restarted mid-publication; {accesses} accesses in order, {len(notices)} notices, none twice"
    )


def _new_notices(outbox: Path, before: set) -> list[tuple[str, str]]:
    notices = []
    for path in set(outbox.glob("*-sms-*.txt")) - before:
        header, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        notices.append((header, body))
    return notices


def replica_stopped(cluster: Cluster, world: dict) -> str:
    """Stop the standby: the public pages come from the primary within seconds; the standby rejoins after."""
    check_page = public_urls(world)[1]
    cluster.stop_postgres("pg2", mode="immediate")
    stopped = time.monotonic()
    try:
        wait_for(
            lambda: get(check_page, timeout=5)[0] == 200, seconds=15, what="a public page without the replica"
        )
        recovered = time.monotonic() - stopped
        statuses = collections.Counter(get(url)[0] for url in public_urls(world) * 5)
    finally:
        cluster.start_postgres("pg2")  # the primary's commits wait for it (synchronous)
    wait_for(
        lambda: (cluster.readyz("web1") or {}).get("checks", {}).get("replica", {}).get("ok"),
        seconds=60,
        what="the replica back in use",
    )
    expect(recovered < 10, f"the first public page took {recovered:.1f} s")
    expect(statuses == {200: 15}, f"pages without the replica: {dict(statuses)}")
    return f"public pages from the primary {recovered:.1f} s after the replica stopped; 15 of 15; it rejoined"


def primary_killed(cluster: Cluster, world: dict) -> str:
    """SIGKILL the primary mid-writes; promote the standby by the runbook; nothing acknowledged is lost."""
    cluster.psql("pg1", "kezek", "CREATE TABLE IF NOT EXISTS cluster_drill_writes (id bigint PRIMARY KEY)")
    acknowledged: list[int] = []
    stop = threading.Event()
    writer = threading.Thread(target=_write_until_refused, args=(acknowledged, stop), daemon=True)
    writer.start()
    time.sleep(3)
    cluster.stop_postgres("pg1", mode="kill")
    killed = time.monotonic()
    stop.set()
    writer.join(timeout=30)
    promote(cluster)
    wait_for(
        lambda: all(_ready_with_database(cluster, host) for host in ("web1", "web2")),
        seconds=60,
        what="web ready",
    )
    back = time.monotonic() - killed
    kept = {int(row) for row in cluster.psql("pg2", "kezek", "SELECT id FROM cluster_drill_writes").split()}
    lost = [value for value in acknowledged if value not in kept]
    after = _write_once(len(acknowledged) + 1_000_000)  # through the service address: it moved
    status, _ = get(public_urls(world)[1])
    expect(not lost, f"{len(lost)} acknowledged writes lost (of {len(acknowledged)})")
    expect(after, "the service address took no write after the failover")
    expect(status == 200, f"a page after the failover answered {status}")
    return (
        f"{len(acknowledged)} acknowledged writes, none lost; web hosts ready on the promoted server "
        f"{back:.1f} s after the kill; the service address takes writes"
    )


def _write_once(value: int) -> bool:
    try:
        connection = psycopg2.connect(
            host=net.PRIMARY_SERVICE_ADDRESS, port=PG_PORT, user="postgres", dbname="kezek", connect_timeout=5
        )
    except psycopg2.Error:
        return False
    connection.autocommit = True
    with connection, connection.cursor() as cursor:
        cursor.execute("INSERT INTO cluster_drill_writes (id) VALUES (%s)", [value])
    connection.close()
    return True


def _write_until_refused(acknowledged: list[int], stop: threading.Event) -> None:
    connection = psycopg2.connect(
        host=net.PRIMARY_SERVICE_ADDRESS, port=PG_PORT, user="postgres", dbname="kezek", connect_timeout=2
    )
    connection.autocommit = True
    value = 0
    try:
        with connection.cursor() as cursor:
            while not stop.is_set():
                value += 1
                cursor.execute("INSERT INTO cluster_drill_writes (id) VALUES (%s)", [value])
                acknowledged.append(value)  # only after the server said COMMIT
    except psycopg2.Error:
        pass


def _ready_with_database(cluster: Cluster, host: str) -> bool:
    readiness = cluster.readyz(host)
    return bool(readiness and readiness["checks"]["database"]["ok"])


def promote(cluster: Cluster) -> None:
    """The failover runbook (docs/deployment.md, "Failover"), step by step.

    1. Fence the old primary: nothing of it may keep running, and it gives up the service address.
    2. Promote the standby (``pg_ctl promote``), waiting until it accepts writes.
    3. Let it commit alone: no synchronous standby until a new one is attached (else every commit waits).
    4. Move the service address to it. The web hosts' DATABASE_URL names the address, not a machine,
       so they reconnect by configuration: their next connection check finds the new server.
    """
    for pid in net.pids_in(net.namespace("pg1")):
        signal_quietly(pid, signal.SIGKILL)
    net.ip(
        "-n",
        net.namespace("pg1"),
        "addr",
        "del",
        f"{net.PRIMARY_SERVICE_ADDRESS}/24",
        "dev",
        "eth0",
        check=False,
    )
    cluster.run(
        "pg2", [cluster.pg("pg_ctl"), "-D", str(cluster.pgdata("pg2")), "-w", "promote"], user="postgres"
    )
    cluster.psql("pg2", "postgres", "ALTER SYSTEM SET synchronous_standby_names = ''")
    cluster.psql("pg2", "postgres", "SELECT pg_reload_conf()")
    net.add_address("pg2", net.PRIMARY_SERVICE_ADDRESS)


DRILLS = {
    "request_id_joins": request_id_joins,
    "web_node_killed": web_node_killed,
    "redis_cut_off": redis_cut_off,
    "rabbitmq_restart": rabbitmq_restart,
    "replica_stopped": replica_stopped,
    "primary_killed": primary_killed,
}
