"""The HTTP figures of ``make bench``: locust headless against a gunicorn the bench starts on loopback.

The server is the ``Procfile``'s web process: gunicorn with ``WEB_CONCURRENCY``
(2) sync workers, with ``DEBUG=false`` and ``BENCHMARK_VIEWS`` on (the bare
view), on a free port of 127.0.0.1. Every page figure stands beside the bare
view measured by the same locust, on the same server, in the same run.

Parents are signed in as a sign-in leaves them: a session made through the
session store with the user id, the backend, the auth hash and the stamps of
``accounts.sessions.start``. Codes for **Get referral** are rows like those
``accounts.services.request_code`` makes (hashed, 5 minutes), with a secret the
bench knows instead of one sent by SMS; the pending take sits in the session
as ``placements.views.confirm`` expects it.
"""

import contextlib
import csv
import datetime
import json
import os
import random
import secrets
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

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.db.models import Count, Q
from django.urls import reverse

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
from placements import selectors as placement_selectors
from placements.models import Referral
from placements.views import SESSION_TAKE
from queues.models import Queue, QueueEntry

SECONDS = 20
LOOKUP_USERS = 32
VISITORS = 200
RUSH_PARENTS = 2_000
RUSH_PLACES = 500
RUSH_IN_FLIGHT = (100, 500)
RUSH_SECONDS = 240  # a bound: the rush ends by itself once every parent has an answer
WARM_UP = 20
BACKEND = "accounts.backends.OneTimeCodeBackend"
HOST = "127.0.0.1"
LOCUSTFILES = Path(__file__).resolve().parent / "locustfiles"
OUTPUT = Path(settings.BASE_DIR) / "var" / "bench"
BIN = Path(sys.executable).parent
# The bench server only: nothing on these pages is rate limited per address except the integration
# API, raised anyway; connections kept across requests, as any deployment of sync workers keeps them.
SERVER_ENVIRONMENT = {
    "DEBUG": "false",
    "BENCHMARK_VIEWS": "true",
    "INTEGRATION_API_RATE": "1000000/min",
    "PUBLIC_CHECK_LOOKUPS_PER_WINDOW": "1000000000",
}


def run_all() -> list[Row]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(11)  # noqa: S311 - a reproducible sample, no secrets
    largest = largest_queue()
    with gunicorn() as url:
        rows = _lookups(url, largest, rng)
        raced: set[int] = set()  # applicants of an earlier rush: each parent races once
        for in_flight in RUSH_IN_FLIGHT:
            rows.append(_rush(url, largest, rng, in_flight=in_flight, exclude=raced))
    return rows


# --- the server -------------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn():
    """The web process of the ``Procfile`` on a free loopback port; yields its base URL, stops it after."""
    port = _free_port()
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    environment = {**os.environ, **SERVER_ENVIRONMENT}
    environment.setdefault("CONN_MAX_AGE", "60")
    log = (OUTPUT / "gunicorn.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - the venv's own gunicorn, fixed arguments
        [str(BIN / "gunicorn"), "kindergarten_queue.wsgi:application", f"--bind={HOST}:{port}",
         f"--workers={workers}", f"--forwarded-allow-ips={HOST}", "--access-logfile=-"],
        cwd=settings.BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://{HOST}:{port}"
    try:
        _wait_until_up(process, url)
        yield url
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


def _warm_up(url: str, visits: list[dict]) -> None:
    """The first requests of each worker import and compile templates: keep them out of the figures."""
    for visit in visits[:WARM_UP]:
        request = urllib.request.Request(  # noqa: S310 - our own server on loopback
            url + visit["url"], headers={"Cookie": _cookie(visit["session"])}
        )
        with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=30):  # noqa: S310
            pass


# --- locust -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    requests: int
    failures: int
    per_second: float
    p99_ms: float

    def __str__(self) -> str:
        failed = f", {self.failures:,} failed" if self.failures else ""
        return f"{self.per_second:,.0f} req/s, p99 {self.p99_ms:,.0f} ms{failed}"


def _locust(url: str, locustfile: str, user_class: str, *, name: str, users: int, seconds: int,
            data: dict) -> Path:  # fmt: skip
    """Run locust headless as a subprocess; the CSV prefix of its statistics."""
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


def _load(url: str, user_class: str, *, name: str, visits: list[dict]) -> Load:
    prefix = _locust(url, "pages.py", user_class, name=name, users=LOOKUP_USERS, seconds=SECONDS,
                     data={"visits": visits, "session_cookie": settings.SESSION_COOKIE_NAME})  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as stats:
        total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    return Load(
        requests=int(total["Request Count"]),
        failures=int(total["Failure Count"]),
        per_second=float(total["Requests/s"]),
        p99_ms=float(total["99%"]),
    )


# --- position look-ups and "my applications" --------------------------------------------


def _lookups(url: str, largest: Queue, rng: random.Random) -> list[Row]:
    size = queue_size(largest.pk)
    in_largest = _visits(standing_ids([largest.pk], rng, VISITORS), "applications:detail")
    in_small = _visits(standing_ids(small_queue_ids(), rng, VISITORS), "applications:detail")
    cabinets = [{**visit, "url": reverse("applications:cabinet")} for visit in in_largest]
    # The public check: an application's status and positions by its number, without signing in.
    checks = _public_checks([visit["pk"] for visit in in_largest])
    _warm_up(url, in_largest + in_small + cabinets + checks)
    bare = _load(url, "Bare", name="bare", visits=[])
    figures = (
        (f"position look-up over HTTP (application page), largest queue ({size:,})", in_largest),
        ("position look-up over HTTP (application page), small queues (5-30)", in_small),
        ("my applications over HTTP (/cabinet/), parents of the largest queue", cabinets),
        (f"position look-up over HTTP (public check by number), largest queue ({size:,})", checks),
    )
    rows = []
    for index, (label, visits) in enumerate(figures):
        load = _load(url, "Parent", name=f"pages{index}", visits=visits)
        ratio = load.per_second / bare.per_second if bare.per_second else 0.0
        rows.append(
            Row(
                f"{label}, {LOOKUP_USERS} users, {SECONDS} s",
                f"{load} ({ratio:.2f} of bare)",
                f"bare JSON view: {bare}",
                ">= 0.6 of bare req/s",
                ratio >= 0.6 and not load.failures,
            )
        )
    return rows


def _public_checks(application_ids: list[int]) -> list[dict]:
    """The public check of each application by its number, as anyone may ask it, without a session."""
    numbers = Application.objects.filter(pk__in=application_ids).values_list("number", flat=True)
    check = reverse("applications:check")
    return [{"url": f"{check}?{urlencode({'number': number})}", "session": ""} for number in numbers]


def _visits(application_ids: list[int], view: str) -> list[dict]:
    """Each application's page, with a signed-in session of its parent."""
    applications = list(Application.objects.filter(pk__in=application_ids).select_related("applicant"))
    users = parent_users([application.applicant for application in applications])
    now = clock.now()
    sessions_of = {pk: signed_in(user, now=now) for pk, user in users.items()}
    return [
        {
            "url": reverse(view, args=[application.number]),
            "session": sessions_of[application.applicant_id],
            "pk": application.pk,
        }
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


def _cookie(session_key: str) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={session_key}"


# --- the open-to-all rush ---------------------------------------------------------------


@dataclass
class Rush:
    bulletin_id: int
    presses: list[dict]
    codes: list[OneTimeCode]
    applicant_ids: set[int]


def _rush(url: str, largest: Queue, rng: random.Random, *, in_flight: int, exclude: set[int]) -> Row:
    """``RUSH_PARENTS`` parents press Get referral once on ``RUSH_PLACES`` places, ``in_flight`` at a time."""
    rush = _prepare_rush(largest, rng, exclude=exclude)
    exclude |= rush.applicant_ids
    now = clock.now()
    for code in rush.codes:  # valid from now: the set-up above may take longer than a code lives
        code.created_at, code.expires_at = now, now + CODE_LIFETIME
    OneTimeCode.objects.bulk_create(rush.codes)
    token = secrets.token_hex(16)  # a CSRF secret: 32 characters, as Django's cookie holds it
    prefix = _locust(
        url, "rush.py", "Parent", name=f"rush{in_flight}", users=in_flight, seconds=RUSH_SECONDS,
        data={"presses": rush.presses, "session_cookie": settings.SESSION_COOKIE_NAME,
              "csrf_cookie": settings.CSRF_COOKIE_NAME, "csrf_token": token},
    )  # fmt: skip
    answers = json.loads(Path(f"{prefix}_answers.json").read_text())
    return _rush_row(rush, answers, in_flight=in_flight)


def _rush_row(rush: Rush, answers: list[list], *, in_flight: int) -> Row:
    outcomes = Counter(outcome for outcome, _started, _ms in answers)
    times = sorted(ms for _outcome, _started, ms in answers)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] if times else 0.0
    span = max(started + ms / 1000 for _o, started, ms in answers) - min(s for _o, s, _ms in answers)
    unanswered = len(rush.presses) - len(answers)
    errors = outcomes["error"] + unanswered
    check = _check_rush(rush.bulletin_id)
    admitted = len(rush.presses) - outcomes["try_again"] - errors
    expected = min(RUSH_PLACES, admitted)
    sound = not check["places_over_given"] and not check["parents_with_two"]
    met = sound and not errors and check["given"] == expected == check["referrals"]
    if in_flight == RUSH_IN_FLIGHT[0]:
        met = met and p99 < 250
        target = "p99 < 250 ms, 0 errors, none twice"
    else:
        target = "0 errors, none twice, all answered"
    return Row(
        f"open-to-all rush over HTTP: {len(rush.presses):,} parents, {RUSH_PLACES} places, "
        f"{in_flight} in flight",
        f"{len(answers) / span if span else 0:,.0f} presses/s, p99 {p99:,.0f} ms; {outcomes['referral']:,} "
        f"referrals, {outcomes['place_gone']:,} no place left, {outcomes['try_again']:,} try again (503), "
        f"{outcomes['refused']:,} refused, {errors:,} errors",
        f"PostgreSQL: {check['given']:,} places given (expected {expected:,}), "
        f"{check['referrals']:,} referrals, "
        f"{check['places_over_given']} places over-given, {check['parents_with_two']} parents with two",
        target,
        met,
    )


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


def _prepare_rush(largest: Queue, rng: random.Random, *, exclude: set[int]) -> Rush:
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
        for group in Group.objects.filter(
            kindergarten__settlement=queue.settlement, birth_year=queue.birth_year, kind=queue.kind
        ).order_by("pk"):
            if wanted <= 0:
                break
            take = min(group.capacity, wanted)
            bulletin_services.add_place(bulletin=bulletin, group=group, places=take, actor=specialist)
            wanted -= take
    bulletin = bulletin_services.publish_bulletin(bulletin=bulletin, actor=specialist, now=published)
    if bulletin.priority_until >= clock.now():
        raise RuntimeError("the bench's bulletin is still in its priority window")
    return bulletin, list(bulletin.places.select_related("bulletin", "group"))
