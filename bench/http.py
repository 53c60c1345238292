"""The HTTP figures of ``make bench``: wrk and locust against the ``Procfile``'s gunicorn on loopback.

The server is the ``Procfile``'s ``web`` line itself (gunicorn, ``WEB_CONCURRENCY``
processes of ``WEB_THREADS`` threads), started with ``DEBUG=false`` and
``BENCHMARK_VIEWS`` on (the reference views) on a free port of 127.0.0.1.
Every page is measured by wrk (``bench/wrk/cycle.lua``: one thread, a list of
requests with their session cookies, CSRF tokens or API token, cycled) beside
the bare JSON view, on the same server, in the same run; wrk is light enough
on two cores not to flatten the ratio, which locust did. The rush stays with
locust (``locustfiles/rush.py``): each parent is a scripted journey that
presses once, waits as the gate's 503 says and presses again with the same
code, and the bench needs each parent's first press and final answer, which a
cycling wrk script cannot keep. Its takes per second stand beside the
conditional-UPDATE reference view, measured by wrk in the same run.

Each figure also gives the CPU it cost (gunicorn's processes and the
PostgreSQL backends of the bench database), so ``make bench`` prints what one
core serves: the capacity lines (docs/performance.md, "Capacity").

Parents are signed in as a sign-in leaves them: a session made through the
session store with the user id, the backend, the auth hash and the stamps of
``accounts.sessions.start``. Codes for **Get referral** are rows like those
``accounts.services.request_code`` makes (hashed, 5 minutes), with a secret the
bench knows instead of one sent by SMS; the pending take sits in the session
as ``placements.views.confirm`` expects it.
"""

import contextlib
import datetime
import hashlib
import json
import os
import random
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode

import psutil
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse

from accounts import sessions
from accounts.choices import Role
from accounts.models import Applicant, CodePurpose, OneTimeCode, User
from accounts.services import CODE_LIFETIME
from applications.choices import Status
from applications.models import Application
from bench.figures import Row, largest_queue, queue_size, small_queue_ids, specialist_of, standing_ids
from bulletins import services as bulletin_services
from bulletins.models import BulletinPlace
from core import clock
from directory.models import Group
from integration import services as integration_services
from integration.choices import OrganisationKind, TokenRole
from integration.models import Organisation
from placements import selectors as placement_selectors
from placements.models import Referral
from placements.views import SESSION_TAKE
from queues.models import Queue, QueueEntry

SECONDS = 20
WARM_UP_SECONDS = 2
WARM_UP_CONNECTIONS = 2
CONNECTIONS = 32
VISITORS = 200
RUSH_PARENTS = 2_000
RUSH_PLACES = 500
RUSH_IN_FLIGHT = (100, 500)
RUSH_SECONDS = 240  # a bound: the rush ends by itself once every parent has a final answer
BACKEND = "accounts.backends.OneTimeCodeBackend"
HOST = "127.0.0.1"
BENCH_DIRECTORY = Path(__file__).resolve().parent
LOCUSTFILES = BENCH_DIRECTORY / "locustfiles"
WRK_SCRIPT = BENCH_DIRECTORY / "wrk" / "cycle.lua"
PROCFILE = Path(settings.BASE_DIR) / "Procfile"
OUTPUT = Path(settings.BASE_DIR) / "var" / "bench"
BIN = Path(sys.executable).parent
FORM = "application/x-www-form-urlencoded"
#: Public pages still to come (issue 11: the public bulletin, the statistics): each URL name that
#: resolves is measured like the front page; one that does not yet is listed as not built.
PUBLIC_PAGES_TO_COME = (
    ("public bulletin", "bulletins:public"),
    ("statistics", "bulletins:statistics"),
    ("log of openings (/openings/)", "bulletins:openings"),
)
# The bench server only: limits per address or token raised (every request comes from 127.0.0.1).
SERVER_ENVIRONMENT = {
    "DEBUG": "false",
    "BENCHMARK_VIEWS": "true",
    "INTEGRATION_API_RATE": "1000000/min",
    "PUBLIC_CHECK_LOOKUPS_PER_WINDOW": "1000000000",
}
#: Signed-in pages render far more than a position (the issue's target); public ones little more.
SIGNED_IN_TARGET = 0.4
PUBLIC_TARGET = 0.6


def run_all() -> list[Row]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(11)  # noqa: S311 - a reproducible sample, no secrets
    largest = largest_queue()
    capacity: list[Row] = []
    with gunicorn() as server:
        bare = server.load("bare", [Visit("/bench/bare/")])
        capacity.append(_capacity_row("bare JSON view", bare))
        first, second = RUSH_IN_FLIGHT
        rush = prepare_rush(largest, rng, exclude=set())  # its parents open the places pages first
        rows = _pages(server, largest, rng, bare, rush, capacity)
        claims = _claim_reference(server, largest)
        capacity.append(_capacity_row("conditional UPDATE of a place (reference)", claims))
        rows.append(_rush(server, rush, claims, in_flight=first, capacity=capacity))
        rows.append(_referral_pages(server, rush, bare, capacity))  # the winners open their referral
        other = prepare_rush(largest, rng, exclude=rush.applicant_ids)  # each parent races once
        rows.append(_rush(server, other, claims, in_flight=second, capacity=capacity))
    return rows + capacity


# --- the server -------------------------------------------------------------------------


def procfile_web_command(environment: dict[str, str], *, procfile: Path = PROCFILE) -> list[str]:
    """The ``web`` line of the Procfile as honcho runs it: ``${NAME:-default}`` and ``$NAME`` expanded."""
    line = next(line for line in procfile.read_text().splitlines() if line.startswith("web:"))

    def expand(match: re.Match) -> str:
        name, default = match.group(1) or match.group(3), match.group(2)
        return environment.get(name) or (default or "")

    expanded = re.sub(r"\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)", expand, line.removeprefix("web:"))
    return shlex.split(expanded)


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    def load(self, name: str, visits: list["Visit"], *, connections: int = CONNECTIONS,
             expected: int = 200) -> "Load":  # fmt: skip
        """wrk for ``SECONDS`` over ``visits`` after a short warm-up, with the CPU it cost the server."""
        requests = OUTPUT / f"{name}.tsv"
        requests.write_text("".join(visit.line() for visit in visits))
        # Few connections: a slow page's warm-up must not leave a backlog for the measured run.
        run_wrk(self.url, requests, connections=WARM_UP_CONNECTIONS, seconds=WARM_UP_SECONDS,
                expected=expected, log=OUTPUT / f"{name}-warm-up.wrk.log")  # fmt: skip
        with CpuMeter(self.process) as cpu:
            answer = run_wrk(self.url, requests, connections=connections, seconds=SECONDS, expected=expected,
                             log=OUTPUT / f"{name}.wrk.log")  # fmt: skip
        return Load.from_wrk(answer, cpu_seconds=cpu.seconds, web_seconds=cpu.web_seconds)


@contextlib.contextmanager
def gunicorn():
    """The Procfile's web process on a free loopback port; yields the ``Server``, stops it after."""
    environment = {**os.environ, **SERVER_ENVIRONMENT, "BIND": f"{HOST}:{_free_port()}"}
    environment["PATH"] = f"{BIN}{os.pathsep}{environment.get('PATH', '')}"
    command = procfile_web_command(environment)
    command[0] = shutil.which(command[0], path=environment["PATH"]) or command[0]
    log = (OUTPUT / "gunicorn.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - the Procfile's own command, the venv's gunicorn
        command, cwd=settings.BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://{environment['BIND']}"
    try:
        _wait_until_up(process, url)
        yield Server(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_until_up(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}): see {OUTPUT / 'gunicorn.log'}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/bench/bare/", timeout=2) as answer:  # noqa: S310
            if answer.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within 30 s: see {OUTPUT / 'gunicorn.log'}")


class CpuMeter:
    """CPU seconds spent by gunicorn's processes and this database's PostgreSQL backends in a block.

    A backend that ends inside the block is lost (connections are kept, so
    few do); one born inside it counts from zero.
    """

    def __init__(self, server: subprocess.Popen):
        self.server = psutil.Process(server.pid)
        self.web_seconds = self.database_seconds = 0.0

    @property
    def seconds(self) -> float:
        return self.web_seconds + self.database_seconds

    def __enter__(self):
        self._web, self._database = self._web_times(), self._database_times()
        return self

    def __exit__(self, *exc):
        self.web_seconds = _spent(self._web, self._web_times())
        self.database_seconds = _spent(self._database, self._database_times())
        return False

    def _web_times(self) -> dict[int, float]:
        return _cpu_of([self.server, *self.server.children(recursive=True)])

    def _database_times(self) -> dict[int, float]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            pids = [pid for (pid,) in cursor.fetchall()]
        processes = []
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                processes.append(psutil.Process(pid))
        return _cpu_of(processes)


def _cpu_of(processes: list[psutil.Process]) -> dict[int, float]:
    times = {}
    for process in processes:
        with contextlib.suppress(psutil.Error):
            spent = process.cpu_times()
            times[process.pid] = spent.user + spent.system
    return times


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


# --- wrk --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """One request of a wrk list: a path, and what a browser or a system would send with it."""

    path: str
    method: str = "GET"
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()

    def line(self) -> str:
        """Its line in the requests file of ``bench/wrk/cycle.lua``."""
        fields = [self.method, self.path, self.body, *(f"{name}: {value}" for name, value in self.headers)]
        if any("\t" in value or "\n" in value for value in fields):
            raise ValueError(f"a tab or a newline in a request of the bench: {fields}")
        return "\t".join(fields) + "\n"


def parent_visit(path: str, session_key: str) -> Visit:
    """A signed-in parent's browser asking for ``path``: its session cookie and the CSRF cookie the
    sign-in form left (one secret a browser, so the same parent's pages carry the same one)."""
    csrf_secret = hashlib.sha256(session_key.encode()).hexdigest()[:32]
    cookies = f"{settings.SESSION_COOKIE_NAME}={session_key}; {settings.CSRF_COOKIE_NAME}={csrf_secret}"
    return Visit(path, headers=(("Cookie", cookies),))


@dataclass(frozen=True)
class Load:
    requests: int
    failures: int
    seconds: float
    p99_ms: float
    cpu_seconds: float = 0.0
    web_seconds: float = 0.0

    @classmethod
    def from_wrk(cls, answer: dict, **cpu) -> "Load":
        return cls(
            requests=answer["requests"],
            failures=answer["socket_errors"] + answer["unexpected"],
            seconds=answer["seconds"],
            p99_ms=answer["p99_ms"],
            **cpu,
        )

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def per_core_second(self) -> float:
        return self.requests / self.cpu_seconds if self.cpu_seconds else 0.0

    def __str__(self) -> str:
        failed = f", {self.failures:,} failed" if self.failures else ""
        return f"{self.per_second:,.0f} req/s, p99 {self.p99_ms:,.0f} ms{failed}"


def parse_wrk(output: str) -> dict:
    """The figures ``cycle.lua`` prints at the end of a wrk run (its ``BENCH_WRK`` line)."""
    for line in output.splitlines():
        if line.startswith("BENCH_WRK "):
            return json.loads(line.removeprefix("BENCH_WRK "))
    raise RuntimeError(f"wrk gave no figures:\n{output[-2000:]}")


def run_wrk(url: str, requests: Path, *, connections: int, seconds: float, expected: int, log: Path) -> dict:
    """wrk with ``cycle.lua`` over the requests file, one thread; its figures, its output kept in ``log``."""
    command = [shutil.which("wrk") or "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
               "-s", str(WRK_SCRIPT), url, "--", str(requests), str(expected)]  # fmt: skip
    finished = subprocess.run(  # noqa: S603 - Debian's wrk, fixed arguments
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    log.write_text(finished.stdout + finished.stderr)
    return parse_wrk(finished.stdout)


def _capacity_row(label: str, load: Load) -> Row:
    per_request = lambda seconds: seconds / load.requests * 1000 if load.requests else 0.0  # noqa: E731
    return Row(
        f"capacity: {label}",
        f"{load.per_core_second:,.0f} requests per core-second",
        f"CPU a request: web {per_request(load.web_seconds):.2f} ms + database "
        f"{per_request(load.cpu_seconds - load.web_seconds):.2f} ms",
        "-",
        None,
    )


def _ratio_row(label: str, load: Load, bare: Load, *, target: float) -> Row:
    ratio = load.per_second / bare.per_second if bare.per_second else 0.0
    return Row(
        f"{label}, wrk {CONNECTIONS} connections, {SECONDS} s",
        f"{load} ({ratio:.2f} of bare)",
        f"bare JSON view: {bare}",
        f">= {target} of bare req/s",
        ratio >= target and not load.failures,
    )


# --- the pages of bulletin day ------------------------------------------------------------


def _pages(server: Server, largest: Queue, rng: random.Random, bare: Load, rush: "Rush",
           capacity: list[Row]) -> list[Row]:  # fmt: skip
    """Every page a parent or a visitor opens on bulletin day, each beside the bare view."""
    size = queue_size(largest.pk)
    in_largest = applications_with_parents(standing_ids([largest.pk], rng, VISITORS))
    in_small = applications_with_parents(standing_ids(small_queue_ids(), rng, VISITORS))
    sessions_of = parent_sessions(in_largest + in_small)
    racers = rush.presses[:VISITORS]
    figures = [
        ("front page (/)", [Visit(reverse("home"))], PUBLIC_TARGET),
        (f"public check by number, largest queue ({size:,})", public_checks(in_largest), PUBLIC_TARGET),
        (f"application page, largest queue ({size:,})",
         parent_pages(in_largest, sessions_of, "applications:detail"), SIGNED_IN_TARGET),
        ("application page, small queues (5-30)",
         parent_pages(in_small, sessions_of, "applications:detail"), SIGNED_IN_TARGET),
        ("my applications (/cabinet/), parents of the largest queue",
         [parent_visit(reverse("applications:cabinet"), sessions_of[a.applicant_id]) for a in in_largest],
         SIGNED_IN_TARGET),
        ("places of a published bulletin, parents of the largest queue",
         [parent_visit(press["places_url"], press["session"]) for press in racers], SIGNED_IN_TARGET),
        ("confirmation of Get referral (the form with the code)",
         [parent_visit(press["url"], press["session"]) for press in racers], SIGNED_IN_TARGET),
        ("API look-up (POST /api/v1/lookup/, the call centre's token)", api_lookups(in_largest),
         PUBLIC_TARGET),
    ]  # fmt: skip
    rows = []
    for index, (label, visits, target) in enumerate(figures):
        load = server.load(f"page{index}", visits)
        rows.append(_ratio_row(label, load, bare, target=target))
        capacity.append(_capacity_row(label, load))
    for label, url_name in PUBLIC_PAGES_TO_COME:
        try:
            path = reverse(url_name)
        except NoReverseMatch:
            rows.append(Row(f"{label} (not built yet: URL name {url_name})", "-", "-", "-", None))
            continue
        load = server.load(url_name.replace(":", "-"), [Visit(path)])
        rows.append(_ratio_row(label, load, bare, target=PUBLIC_TARGET))
        capacity.append(_capacity_row(label, load))
    return rows


def _referral_pages(server: Server, rush: "Rush", bare: Load, capacity: list[Row]) -> Row:
    """The referral page of each parent who has just won one in the rush."""
    referrals = list(
        Referral.objects.filter(place__bulletin_id=rush.bulletin_id).select_related("application__applicant")
    )
    users = parent_users([referral.application.applicant for referral in referrals])
    now = clock.now()
    visits = [
        parent_visit(
            reverse("placements:referral", args=[referral.number]),
            signed_in(users[referral.application.applicant_id], now=now),
        )
        for referral in referrals[:VISITORS]
    ]
    load = server.load("referral", visits)
    capacity.append(_capacity_row("referral page", load))
    return _ratio_row("referral page, parents who just took one", load, bare, target=SIGNED_IN_TARGET)


def applications_with_parents(application_ids: list[int]) -> list[Application]:
    return list(Application.objects.filter(pk__in=application_ids).select_related("applicant"))


def parent_sessions(applications: list[Application]) -> dict[int, str]:
    """A signed-in session of each application's parent, by applicant id."""
    users = parent_users([application.applicant for application in applications])
    now = clock.now()
    return {pk: signed_in(user, now=now) for pk, user in users.items()}


def parent_pages(applications: list[Application], sessions_of: dict[int, str], view: str) -> list[Visit]:
    return [
        parent_visit(reverse(view, args=[application.number]), sessions_of[application.applicant_id])
        for application in applications
    ]


def public_checks(applications: list[Application]) -> list[Visit]:
    """The public check of each application by its number, as anyone may ask it, without a session."""
    check = reverse("applications:check")
    return [Visit(f"{check}?{urlencode({'number': application.number})}") for application in applications]


def api_lookups(applications: list[Application]) -> list[Visit]:
    """The call centre's system looking each application up by number (country-wide), with its token."""
    organisation, _created = Organisation.objects.get_or_create(
        name="Bench call centre", defaults={"kind": OrganisationKind.CALL_CENTRE}
    )
    _token, secret = integration_services.issue_token(
        organisation=organisation, role=TokenRole.CALL_CENTRE, name="bench"
    )
    headers = (("Authorization", f"Bearer {secret}"), ("Content-Type", "application/json"))
    return [
        Visit(
            reverse("api-lookup"),
            method="POST",
            body=json.dumps({"number": application.number, "reason": "bench: bulletin day"}),
            headers=headers,
        )
        for application in applications
    ]


def parent_users(applicants: list[Applicant]) -> dict[int, User]:
    """Each applicant's cabinet user by applicant id, made in bulk for those who never signed in."""
    missing = list({parent.pk: parent for parent in applicants if parent.user_id is None}.values())
    created = User.objects.bulk_create(
        [
            User(username=f"parent.{applicant.iin}", role=Role.PARENT, password=make_password(None))
            for applicant in missing
        ]
    )
    for applicant, user in zip(missing, created, strict=True):
        applicant.user = user
    Applicant.objects.bulk_update(missing, ["user"])
    made = {applicant.pk: applicant.user for applicant in missing}  # siblings: one applicant, several copies
    known = User.objects.in_bulk({applicant.user_id for applicant in applicants if applicant.user_id})
    return {applicant.pk: made.get(applicant.pk) or known[applicant.user_id] for applicant in applicants}


def signed_in(user: User, *, now: datetime.datetime, **extra) -> str:
    """The key of a new session holding what a sign-in with a one-time code leaves, plus ``extra``."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    sessions.start(store, user, now)
    store.update(extra)
    store.create()
    return store.session_key


# --- the open-to-all rush ---------------------------------------------------------------


@dataclass
class Rush:
    bulletin_id: int
    presses: list[dict]
    codes: list[OneTimeCode]
    applicant_ids: set[int]


def save_codes_valid_from_now(rush: Rush) -> None:
    """Store the rush's one-time codes valid from now: the set-up may take longer than a code lives."""
    now = clock.now()
    for code in rush.codes:
        code.created_at, code.expires_at = now, now + CODE_LIFETIME
    OneTimeCode.objects.bulk_create(rush.codes)


def _claim_reference(server: Server, largest: Queue) -> Load:
    """The conditional UPDATE alone (``bench.views.claim``), as many at once as the first rush presses.

    On the places of a draft bulletin (never seen by parents) in the groups the
    rush takes from, with room for every claim, so each request writes a row.
    """
    specialist = specialist_of(largest)
    draft = bulletin_services.create_bulletin(district=largest.settlement.district, actor=specialist)
    for group in _groups_of(largest)[:25]:
        bulletin_services.add_place(bulletin=draft, group=group, places=1, actor=specialist)
    places = BulletinPlace.objects.filter(bulletin=draft)
    places.update(places=10**9)
    visits = [Visit(f"/bench/claim/{pk}/", method="POST") for pk in places.values_list("pk", flat=True)]
    return server.load("claim", visits, connections=RUSH_IN_FLIGHT[0])


def _rush(server: Server, rush: Rush, claims: Load, *, in_flight: int, capacity: list[Row]) -> Row:
    """``RUSH_PARENTS`` parents press Get referral on ``RUSH_PLACES`` places, ``in_flight`` at a time."""
    save_codes_valid_from_now(rush)
    token = secrets.token_hex(16)  # a CSRF secret: 32 characters, as Django's cookie holds it
    with CpuMeter(server.process) as cpu:
        prefix = _locust(
            server.url, "rush.py", "Parent", name=f"rush{in_flight}", users=in_flight, seconds=RUSH_SECONDS,
            data={"presses": rush.presses, "session_cookie": settings.SESSION_COOKIE_NAME,
                  "csrf_cookie": settings.CSRF_COOKIE_NAME, "csrf_token": token},
        )  # fmt: skip
    outcome = RushOutcome.read(Path(f"{prefix}_answers.json"), parents=len(rush.presses))
    capacity.append(
        _capacity_row(
            f"Get referral, {in_flight} in flight (every press, the gate's 503 included)",
            Load(requests=len(outcome.requests), failures=outcome.errors, seconds=outcome.span,
                 p99_ms=outcome.p99_ms, cpu_seconds=cpu.seconds, web_seconds=cpu.web_seconds),
        )
    )  # fmt: skip
    return _rush_row(outcome, _check_rush(rush.bulletin_id), claims, in_flight=in_flight)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


@dataclass(frozen=True)
class RushOutcome:
    """What ``locustfiles/rush.py`` saw: every request, and each parent's journey to a final answer."""

    #: [outcome, started (Unix seconds), milliseconds] per request, the gate's 503 included.
    requests: list[list]
    #: [final outcome, first press started, final answer at (Unix seconds), presses] per parent.
    parents: list[list]
    unanswered: int

    @classmethod
    def read(cls, path: Path, *, parents: int) -> "RushOutcome":
        answers = json.loads(path.read_text()) if path.exists() else {"requests": [], "parents": []}
        return cls(answers["requests"], answers["parents"], parents - len(answers["parents"]))

    @property
    def finals(self) -> Counter:
        return Counter(outcome for outcome, *_times in self.parents)

    @property
    def errors(self) -> int:
        return self.finals["error"] + self.unanswered

    @property
    def p99_ms(self) -> float:
        return _p99([ms for _outcome, _started, ms in self.requests])

    @property
    def journey_p99_ms(self) -> float:
        return _p99([(final - first) * 1000 for _outcome, first, final, _presses in self.parents])

    @property
    def started(self) -> float:
        return min((started for _outcome, started, _ms in self.requests), default=0.0)

    @property
    def span(self) -> float:
        ended = max((started + ms / 1000 for _outcome, started, ms in self.requests), default=0.0)
        return max(ended - self.started, 0.0)

    @property
    def takes_per_second(self) -> float:
        """Referrals given per second, from the first press to the answer of the last referral."""
        taken = [final for outcome, _first, final, _presses in self.parents if outcome == "referral"]
        return len(taken) / (max(taken) - self.started) if taken and max(taken) > self.started else 0.0


def _rush_row(outcome: RushOutcome, check: dict[str, int], claims: Load, *, in_flight: int) -> Row:
    finals = outcome.finals
    waiting_pages = sum(1 for answer, _started, _ms in outcome.requests if answer == "try_again")
    expected = min(RUSH_PLACES, len(outcome.parents) - outcome.errors)
    sound = not check["places_over_given"] and not check["parents_with_two"]
    takes_ratio = outcome.takes_per_second / claims.per_second if claims.per_second else 0.0
    met = (
        sound
        and not outcome.errors
        and not finals["refused"]
        and check["given"] == expected == check["referrals"]
        and takes_ratio >= 0.5
    )
    if in_flight == RUSH_IN_FLIGHT[0]:
        met = met and outcome.p99_ms < 250
        target = "p99 < 250 ms, takes >= 0.5 of the UPDATE, 0 errors, none twice"
    else:
        met = met and outcome.p99_ms < 1000 and outcome.journey_p99_ms < 5000
        target = "p99 < 1 s, first press to answer p99 < 5 s, takes >= 0.5 of the UPDATE, 0 errors"
    rate = len(outcome.requests) / outcome.span if outcome.span else 0.0
    return Row(
        f"open-to-all rush over HTTP: {len(outcome.parents) + outcome.unanswered:,} parents, "
        f"{RUSH_PLACES} places, {in_flight} in flight",
        f"{rate:,.0f} presses/s, p99 {outcome.p99_ms:,.0f} ms a press; first press to final answer p99 "
        f"{outcome.journey_p99_ms:,.0f} ms; {outcome.takes_per_second:,.0f} takes/s "
        f"({takes_ratio:.2f} of the UPDATE); {finals['referral']:,} referrals, "
        f"{finals['place_gone']:,} no place left, "
        f"{waiting_pages:,} waiting pages (503), {finals['refused']:,} refused, {outcome.errors:,} errors",
        f"conditional UPDATE view: {claims.per_second:,.0f} claims/s, p99 {claims.p99_ms:,.0f} ms; "
        f"PostgreSQL: {check['given']:,} places given (expected {expected:,}), "
        f"{check['referrals']:,} referrals, "
        f"{check['places_over_given']} places over-given, {check['parents_with_two']} parents with two",
        target,
        met,
    )


def _locust(url: str, locustfile: str, user_class: str, *, name: str, users: int, seconds: int,
            data: dict) -> Path:  # fmt: skip
    """Run locust headless as a subprocess; the prefix of its CSV and answers files."""
    data_path = OUTPUT / f"{name}.json"
    data_path.write_text(json.dumps(data))
    prefix = OUTPUT / name
    environment = {
        **os.environ,
        "BENCH_LOCUST_DATA": str(data_path),
        "BENCH_LOCUST_OUT": f"{prefix}_answers.json",
    }
    with (OUTPUT / f"{name}.log").open("w") as log:
        subprocess.run(  # noqa: S603 - the venv's own locust, fixed arguments; a failed request is data
            [str(BIN / "locust"), "-f", str(LOCUSTFILES / locustfile), user_class, "--headless",
             "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--stop-timeout", "10",
             "--csv", str(prefix), "--host", url, "--only-summary", "--loglevel", "WARNING"],
            env=environment, stdout=log, stderr=subprocess.STDOUT, timeout=seconds + 120, check=False,
        )  # fmt: skip
    return prefix


def _check_rush(bulletin_id: int) -> dict[str, int]:
    """What PostgreSQL holds after the rush: places given, and whether any was given twice."""
    referrals = Referral.objects.filter(place__bulletin_id=bulletin_id)
    places = (
        BulletinPlace.objects.filter(bulletin_id=bulletin_id)
        .annotate(given=Count("referrals"))
        .values_list("taken", "places", "given")
    )
    return {
        "given": sum(taken for taken, _places, _referrals in places),
        "referrals": referrals.count(),
        "places_over_given": sum(1 for taken, total, given in places if given > total or given != taken),
        "parents_with_two": referrals.values("application__applicant")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
    }


def prepare_rush(largest: Queue, rng: random.Random, *, exclude: set[int]) -> Rush:
    """A bulletin whose priority window has ended (places open to all) and the parents who race for them."""
    bulletin, places = _bulletin_open_to_all(largest)
    by_queue: dict[int, list] = {}
    for place in places:
        by_queue.setdefault(place.queue_id, []).append(place)
    candidates = list(
        QueueEntry.objects.standing()
        .filter(queue_id__in=by_queue, application__status__in=(Status.IN_QUEUE, Status.ACCESS_OPEN))
        .exclude(application__applicant_id__in=exclude)
        .values_list("application_id", "queue_id")
    )
    rng.shuffle(candidates)
    chosen, applicants, now = [], set(), clock.now()
    for chunk_start in range(0, len(candidates), RUSH_PARENTS):
        chunk = candidates[chunk_start : chunk_start + RUSH_PARENTS]
        applications = Application.objects.select_related("child", "applicant").in_bulk(
            [application_id for application_id, _queue in chunk]
        )
        for application_id, queue_id in chunk:
            application = applications[application_id]
            place = rng.choice(by_queue[queue_id])  # parents choose among the places of their queue
            if application.applicant_id in applicants:
                continue  # siblings: one press per parent
            if placement_selectors.take_refusal(application, place, now=now) is None:
                chosen.append((application, place))
                applicants.add(application.applicant_id)
            if len(chosen) == RUSH_PARENTS:
                break
        if len(chosen) == RUSH_PARENTS:
            break
    users = parent_users([application.applicant for application, _place in chosen])
    presses, codes = [], []
    for application, place in chosen:
        code, secret = known_code(application.applicant)
        codes.append(code)
        pending = {"application": application.pk, "place": place.pk, "code": str(code.pk)}
        session = signed_in(users[application.applicant_id], now=now, **{SESSION_TAKE: pending})
        presses.append(
            {
                "url": reverse("placements:confirm", args=[application.number]),
                "places_url": reverse("placements:places", args=[application.number]),
                "session": session,
                "code": secret,
            }
        )
    return Rush(bulletin_id=bulletin.pk, presses=presses, codes=codes, applicant_ids=applicants)


def known_code(applicant: Applicant) -> tuple[OneTimeCode, str]:
    """An unsaved code row for Get referral as ``request_code`` makes it, and its secret (the SMS's text)."""
    secret = f"{secrets.randbelow(10**6):06d}"
    now = clock.now()
    code = OneTimeCode(purpose=CodePurpose.TAKE_REFERRAL, iin=applicant.iin, phone=applicant.phone,
                       applicant=applicant, deliverable=True, client_ip=HOST, created_at=now,
                       expires_at=now + CODE_LIFETIME)  # fmt: skip
    code.code_hash = code.hash_of(secret)
    return code, secret


def _bulletin_open_to_all(largest: Queue):
    """``RUSH_PLACES`` places in the largest queue (then the city's next ones), published two weeks ago.

    Made through the bulletin services, dated so that the priority window
    (``ACCESS_WINDOW_WORKING_DAYS`` working days) has ended: every parent of the
    queue may take a free place (RULES.md section 5), nobody needs access.
    """
    published = clock.now() - datetime.timedelta(days=14)
    specialist = specialist_of(largest)
    bulletin = bulletin_services.create_bulletin(
        district=largest.settlement.district, actor=specialist, now=published
    )
    queues = sorted(
        Queue.objects.filter(settlement=largest.settlement, kind=largest.kind).annotate(
            standing=Count("entries", filter=Q(entries__left_at__isnull=True))
        ),
        key=lambda queue: (queue.pk != largest.pk, -queue.standing),
    )
    wanted = RUSH_PLACES
    for queue in queues:
        for group in _groups_of(queue):
            if wanted <= 0:
                break
            take = min(group.capacity, wanted)
            bulletin_services.add_place(bulletin=bulletin, group=group, places=take, actor=specialist)
            wanted -= take
    bulletin = bulletin_services.publish_bulletin(bulletin=bulletin, actor=specialist, now=published)
    if bulletin.priority_until >= clock.now():
        raise RuntimeError("the bench's bulletin is still in its priority window")
    return bulletin, list(bulletin.places.select_related("bulletin", "group"))


def _groups_of(queue: Queue) -> list[Group]:
    """The groups whose places go to ``queue``: its settlement, birth year and kind."""
    return list(
        Group.objects.filter(
            kindergarten__settlement=queue.settlement, birth_year=queue.birth_year, kind=queue.kind
        ).order_by("pk")
    )
