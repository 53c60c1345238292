"""The fault drills. Each takes the running stack and returns what it checked, or raises ``DrillFailed``.

They run in this order on one stack and one data set (``drills.inside.load``);
each leaves the stack running (the worker ``worker_killed`` starts stays for the others).
"""

import contextlib
import threading
import time

from . import nginx
from .stack import DATABASE, Stack, free_port


class DrillFailed(Exception):
    """The drill saw the portal misbehave; the message says how."""


def expect(condition: bool, why: str) -> None:
    if not condition:
        raise DrillFailed(why)


# --- a. a worker killed in the middle of opening access ----------------------------------------


def worker_killed(stack: Stack, world: dict) -> str:
    """Kill -9 the worker half-way through a publication's ``open_access``, rerun it, check the result.

    To kill it in the middle every time, the runner holds a row lock on an
    application of a queue half-way down the list: the worker commits the
    queues before it, then waits on that row inside that queue's transaction,
    and is killed there. A fresh worker then runs the re-enqueued task
    (``acks_late`` would redeliver it after the broker's visibility timeout).
    """
    bulletin, queues = world["bulletin"], world["queues"]
    middle = queues[len(queues) // 2]
    stack.start_worker()
    blocker, monitor = stack.connect(), stack.connect()
    monitor.autocommit = True  # a fresh view of pg_stat_activity at every look
    try:
        with blocker.cursor() as cursor:
            cursor.execute(
                "SELECT application_id FROM queues_queueentry WHERE queue_id = %s"
                " ORDER BY submitted_at, application_id LIMIT 1",
                [middle],
            )
            cursor.execute(
                "SELECT id FROM applications_application WHERE id = %s FOR UPDATE", [cursor.fetchone()[0]]
            )
        stack.inside("publish", str(bulletin))
        expect(_worker_waits_on_a_lock(monitor), "open_access never reached the locked queue")
        before = _count_accesses(monitor, bulletin)
        stack.kill("worker")
    finally:
        blocker.rollback()
        blocker.close()
        monitor.close()
    expect(before > 0, "no queue was opened before the kill: the kill was not in the middle")
    stack.start_worker()
    stack.inside("open_access", str(bulletin))
    result = _wait_for_check(stack, bulletin)
    expect(result["ok"], "; ".join(result["problems"][:3]))
    expect(result["accesses"] > before, "the rerun opened nothing")
    return (
        f"killed with {before} accesses committed; after the rerun {result['accesses']} accesses in "
        f"{result['queues']} queues, min(places, eligible) each, first in queue order, nobody twice"
    )


def _worker_waits_on_a_lock(monitor) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with monitor.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = %s",
                [DATABASE],
            )
            if cursor.fetchone()[0] > 0:
                return True
        time.sleep(0.1)
    return False


def _count_accesses(connection, bulletin: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bulletins_access WHERE bulletin_id = %s", [bulletin])
        return cursor.fetchone()[0]


def _wait_for_check(stack: Stack, bulletin: int) -> dict:
    """The access check once the number of accesses stops growing (the rerun has finished)."""
    connection = stack.connect()
    connection.autocommit = True
    try:
        last, steady_since, deadline = -1, time.monotonic(), time.monotonic() + 60
        while time.monotonic() < deadline:
            count = _count_accesses(connection, bulletin)
            if count != last:
                last, steady_since = count, time.monotonic()
            elif time.monotonic() - steady_since > 2:
                break
            time.sleep(0.2)
    finally:
        connection.close()
    return stack.inside("check_access", str(bulletin))


# --- b. PostgreSQL restarted under load ----------------------------------------------------------

PAGES = ("/", "/check/")
OUTAGE_SECONDS = 2
ANSWER_WITHIN = 5  # seconds: an answer slower than this during the outage is a hang
RECOVER_WITHIN = 10  # seconds after PostgreSQL is back


def postgres_restart(stack: Stack, world: dict) -> str:
    """Restart PostgreSQL while threads read the portal through gunicorn; no hang, and it comes back alone.

    The restart is a fast stop, ``OUTAGE_SECONDS`` down, a start, so some requests
    surely land in the outage. gunicorn is not restarted: its workers keep
    connections (``CONN_MAX_AGE``), checked before use (``CONN_HEALTH_CHECKS``).
    """
    check_url = f"/check/?number={world['number']}"
    log: list[tuple[float, str, int, float]] = []  # (answered at, path, status, seconds taken)
    stop = threading.Event()

    def reader(path: str, pause: float) -> None:
        while not stop.is_set():
            status, seconds = stack.get(path, timeout=ANSWER_WITHIN * 3)
            log.append((time.monotonic(), path, status, seconds))
            time.sleep(pause)

    # The public check counts look-ups per address: one reader, slowly, stays under its limit.
    readers = [threading.Thread(target=reader, args=("/", 0.05)) for _ in range(3)]
    readers.append(threading.Thread(target=reader, args=(check_url, 1.0)))
    for thread in readers:
        thread.start()
    try:
        time.sleep(1)
        stack.stop_postgres()
        down_at = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        back_at = time.monotonic()
        stack.start_postgres()
        up_at = time.monotonic()
        time.sleep(RECOVER_WITHIN + 2)
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=ANSWER_WITHIN * 4)
    during = [entry for entry in log if down_at <= entry[0] - entry[3] <= back_at]
    expect(during, "no request fell in the outage")
    slow = [entry for entry in during if entry[2] == 0 or entry[3] > ANSWER_WITHIN]
    expect(not slow, f"{len(slow)} requests during the outage hung or got no HTTP answer")
    recovered = {}
    for path in (PAGES[0], check_url):
        after = [entry for entry in log if entry[1] == path and entry[0] > up_at]
        expect(after, f"no request to {path} after the restart")
        failing = [entry for entry in after if entry[2] != 200]
        last_failure = max((entry[0] for entry in failing), default=up_at)
        first_success = min((entry[0] for entry in after if entry[2] == 200), default=up_at)
        expect(
            last_failure - up_at <= RECOVER_WITHIN, f"{path} still failing {RECOVER_WITHIN} s after restart"
        )
        expect(after[-1][2] == 200, f"{path} answers {after[-1][2]} at the end")
        recovered[path] = max(last_failure, first_success) - up_at
    errors = sorted({entry[2] for entry in during})
    return (
        f"{len(during)} requests in the {OUTAGE_SECONDS} s outage answered {errors} within "
        f"{max(entry[3] for entry in during):.1f} s; home and check answer 200 again within "
        f"{max(recovered.values()):.1f} s, gunicorn not restarted"
    )


# --- c. backup and restore -----------------------------------------------------------------------


def backup_restore(stack: Stack, world: dict) -> str:
    """pg_dump the drill database, restore it into a fresh one, compare positions and pages."""
    dump = stack.root / "kezek.dump"
    restored = f"{DATABASE}_restored"
    address = ["-h", "127.0.0.1", "-p", str(stack.pg_port), "-U", "postgres"]
    stack.postgres("pg_dump", *address, "-Fc", "-f", str(dump), DATABASE)
    stack.postgres("createdb", *address, restored)
    stack.postgres("pg_restore", *address, "--no-owner", "-d", restored, str(dump))
    original = stack.inside("snapshot")
    copy = stack.inside("snapshot", database=restored)
    expect(original["positions"], "the drill database has no standing entries")
    differing = [
        key for key in original["positions"] if original["positions"][key] != copy["positions"].get(key)
    ]
    expect(not differing and original["positions"] == copy["positions"], f"{len(differing)} positions differ")
    expect(original["pages"] == copy["pages"], "a queue's page differs")
    with contextlib.suppress(Exception):
        stack.postgres("dropdb", *address, restored)
    return (
        f"{dump.stat().st_size // 1024} KiB dump restored; {len(original['positions'])} positions and "
        f"{len(original['pages'])} queue pages equal"
    )


# --- d. Redis down -------------------------------------------------------------------------------


def redis_down(stack: Stack, world: dict) -> str:
    """Stop Redis under gunicorn and a worker: pages answer, a new application's notice waits in the outbox.

    Once Redis is back, ``dispatch.services.relay_pending`` hands the waiting
    task to the broker and the worker sends the SMS (the outbox file appears).
    """
    if not stack.has_outbox_app():
        raise DrillFailed("dispatch outbox not available")
    if "worker" not in stack.processes:
        stack.start_worker()
    stack.stop("redis")
    try:
        for path in ("/", f"/check/?number={world['number']}"):
            status, seconds = stack.get(path, timeout=ANSWER_WITHIN * 3)
            expect(status == 200, f"{path} answered {status or 'nothing'} with Redis down")
            expect(seconds <= ANSWER_WITHIN, f"{path} took {seconds:.1f} s with Redis down")
        started = time.monotonic()
        submitted = stack.inside("submit")
        took = time.monotonic() - started
        expect(submitted["waiting"] >= 1, "the new application's notice is not kept as a PendingTask")
    finally:
        stack.start_redis()
    # A worker becoming ready (or beat) may have relayed the row first: either way it leaves, once.
    relayed = stack.inside("relay")["sent"]
    delivered = _wait_for_sms(stack, submitted["phone"], seconds=30)
    expect(delivered, "the worker did not deliver the notice within 30 s of the relay")
    return (
        f"home and check answered 200 with Redis down; an application submitted in {took:.1f} s kept "
        f"{submitted['waiting']} task in the outbox; after Redis came back relay sent {relayed} and the SMS "
        "reached the outbox"
    )


def _wait_for_sms(stack: Stack, phone: str, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in stack.outbox.glob("*-sms-*.txt"):
            if path.read_text(encoding="utf-8").startswith(f"To: {phone}\n"):
                return True
        time.sleep(0.3)
    return False


# --- e. behind nginx: each client its own limits and audit address -------------------------------

CLIENT_A, CLIENT_B = "127.0.0.2", "127.0.0.3"
CHECK_LIMIT = 20  # PUBLIC_CHECK_LOOKUPS_PER_WINDOW's default, which the drill's gunicorn keeps


def behind_nginx(stack: Stack, world: dict) -> str:
    """Debian's nginx in front of gunicorn; two clients at 127.0.0.2 and 127.0.0.3, one forging its header.

    gunicorn trusts only nginx (``TRUSTED_PROXIES=127.0.0.1/32`` in the drill's
    environment). Client A looks up an application number 21 times, each time
    with another forged ``X-Forwarded-For``: the 21st is refused (429) while B
    still gets 200; one refused POST from each is recorded in the audit trail
    with the client's own address, never the forged one nor nginx's.
    """
    port = free_port()
    proxy = nginx.start(stack.root / "nginx", port=port, upstream=f"127.0.0.1:{stack.web_port}")
    try:
        check = f"/check/?number={world['number']}"
        statuses = [
            nginx.send(port, CLIENT_A, "GET", check, {"X-Forwarded-For": f"198.51.100.{i}"})
            for i in range(CHECK_LIMIT + 1)
        ]
        expect(statuses[:CHECK_LIMIT] == [200] * CHECK_LIMIT, f"client A's look-ups answered {statuses}")
        expect(statuses[CHECK_LIMIT] == 429, f"client A's look-up {CHECK_LIMIT + 1} answered {statuses[-1]}")
        other = nginx.send(port, CLIENT_B, "GET", check)
        expect(other == 200, f"client B was refused ({other}) after A reached the limit: one shared limit")
        for source, headers in ((CLIENT_A, {"X-Forwarded-For": "203.0.113.66"}), (CLIENT_B, {})):
            status = nginx.send(port, source, "POST", "/sign-in/", headers)
            expect(status == 403, f"a POST without a CSRF token from {source} answered {status}")
    finally:
        nginx.stop(proxy)
    recorded = stack.sql(
        "SELECT string_agg(host(ip_address), ',' ORDER BY id) FROM"
        " (SELECT id, ip_address FROM audit_auditevent WHERE action = 'access.refused'"
        " ORDER BY id DESC LIMIT 2) AS latest"
    ).strip()
    expect(recorded == f"{CLIENT_A},{CLIENT_B}", f"the audit trail recorded {recorded!r}")
    return (
        f"behind nginx, client A's look-up {CHECK_LIMIT + 1} was refused (429) despite a new forged "
        f"X-Forwarded-For each time while B got 200; the audit trail recorded {recorded}, not the forged "
        "address nor nginx's"
    )


DRILLS = {
    "worker_killed": worker_killed,
    "postgres_restart": postgres_restart,
    "backup_restore": backup_restore,
    "redis_down": redis_down,
    "behind_nginx": behind_nginx,
}
