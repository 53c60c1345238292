"""Where a request's time goes: ``python -m bench.profile`` (``make profile``), on the bench's data.

Runs the pages parents open on bulletin day in this process, through the whole
middleware stack (Django's test client, ``DEBUG`` off), under pyinstrument,
and prints for each page the share of its time spent in each concern. A sample
counts for the innermost concern on its stack, so a query made while loading
the session counts as a query, and "view and framework" is what is left: URL
resolution, forms, the view's own code. The page sets are those of
``bench.http`` (the same parents, numbers and presses); run ``make bench``
first, or with ``--reuse`` on its database.
"""

import argparse
import functools
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: (concern, where its code lives); the first concern with a prefix of a frame's module path wins. Paths
#: are read as site-packages names ("django/db/...") or, for this project, as "kezek/<app>/...".
CONCERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("queries", ("django/db/", "psycopg2/")),
    ("redis", ("redis/",)),
    ("session", ("django/contrib/sessions/", "kezek/accounts/session_store.py",
                 "kezek/accounts/sessions.py")),
    ("authentication", ("django/contrib/auth/", "kezek/accounts/backends.py", "django_otp/", "axes/")),
    ("audit", ("kezek/audit/services.py", "kezek/audit/models.py")),
    ("outbox", ("kezek/dispatch/", "celery/", "kombu/")),
    ("templates", ("django/template/", "django/forms/", "kezek/applications/templatetags/",
                   "kezek/placements/panels.py")),
    ("middleware", ("django/middleware/", "csp/", "whitenoise/", "kezek/core/middleware.py",
                    "kezek/audit/middleware.py", "kezek/accounts/middleware.py")),
)  # fmt: skip
OTHER = "view and framework"
PROJECT = str(Path(__file__).resolve().parent.parent) + "/"
REQUESTS = 300
WARM_UP = 20
BURSTS = 5
BARE = "bare JSON view"  # profiled first: every page after it is read against it
#: Presses timed, then as many profiled: with the warm-up, fewer than the rush's places, so each takes one.
PRESSES = 200
INTERVAL = 0.0005  # seconds between samples: fine enough for a 2 ms request, light enough not to swamp it


@dataclass(frozen=True)
class Page:
    name: str
    request: Callable[[], object]  # makes one request and checks its answer
    distinct: int = 1  # how many different requests it cycles through: the warm-up makes each once


def concern_of(file_path: str) -> str:
    module = _module_path(file_path)
    for concern, prefixes in CONCERNS:
        if module.startswith(prefixes):
            return concern
    return OTHER


def _module_path(file_path: str) -> str:
    """``django/db/models/query.py`` for an installed package, ``kezek/queues/selectors.py`` for ours."""
    if "site-packages/" in file_path:
        return file_path.rsplit("site-packages/", 1)[1]
    if file_path.startswith(PROJECT):
        return "kezek/" + file_path[len(PROJECT) :]
    return file_path


def shares(root_frame) -> Counter:
    """Seconds per concern: each frame's own time goes to the innermost concern on its stack."""
    totals: Counter = Counter()

    def walk(frame, inherited: str) -> None:
        concern = concern_of(frame.file_path or "")
        here = inherited if concern == OTHER else concern
        totals[here] += frame.total_self_time
        for child in frame.children:
            walk(child, here)

    walk(root_frame, OTHER)
    return totals


@dataclass(frozen=True)
class Timing:
    """Milliseconds a request: wall time, and this process's CPU (the web CPU the targets compare). Each
    is the fastest of ``BURSTS`` runs: the one least disturbed by other work sharing the machine."""

    wall: float
    cpu: float


def profile(page: Page, *, requests: int = REQUESTS) -> tuple[Timing, Counter]:
    """The time a request takes unprofiled, and the concerns' seconds under the profiler."""
    from pyinstrument import Profiler

    for _ in range(max(WARM_UP, page.distinct)):  # a page cached per visitor is timed as the bench loads it
        page.request()
    timing = min((_timed(page, max(requests // BURSTS, 1)) for _ in range(BURSTS)), key=lambda t: t.cpu)
    profiler = Profiler(interval=INTERVAL)
    with profiler:
        for _ in range(requests):
            page.request()
    return timing, shares(profiler.last_session.root_frame())


def _timed(page: Page, requests: int) -> Timing:
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(requests):
        page.request()
    return Timing(
        wall=(time.perf_counter() - started) / requests * 1000,
        cpu=(time.process_time() - cpu_started) / requests * 1000,
    )


def print_profile(name: str, timing: Timing, totals: Counter, *, bare: Timing | None = None) -> None:
    whole = sum(totals.values()) or 1.0
    ratio = f" ({bare.cpu / timing.cpu:.2f} of the bare view's requests per CPU second)" if bare else ""
    print(f"\n{name}: {timing.wall:.2f} ms a request in this process, {timing.cpu:.2f} ms of its CPU{ratio}")
    for concern, seconds in totals.most_common():
        print(f"  {concern:<20} {seconds / whole:6.1%}")


def pages() -> list[Page]:
    """The bare view, the public pages, the application page, my applications, the API look-up, the press."""
    from django.test import Client
    from django.urls import reverse

    from bench import http
    from bench.figures import largest_queue, standing_ids

    rng = random.Random(5)  # noqa: S311 - a reproducible sample, no secrets
    largest = largest_queue()
    applications = http.applications_with_parents(standing_ids([largest.pk], rng, 100))
    sessions_of = http.parent_sessions(applications)
    detail = http.parent_pages(applications, sessions_of, "applications:detail")
    cabinet_path = reverse("applications:cabinet")
    cabinet = [http.parent_visit(cabinet_path, session) for session in sessions_of.values()]
    client = Client(HTTP_HOST="127.0.0.1")
    # The rush's parents (a bulletin open to all in the largest queue), made at the first page that needs
    # them: a run of other pages publishes no bulletin.
    rush = functools.cache(lambda: http.prepare_rush(largest, rng, exclude=set()).presses[: http.VISITORS])

    def visiting(name: str, visits: list | Callable[[], list], distinct: int | None = None) -> Page:
        """A page that cycles through ``visits`` (or the list ``visits()`` makes), each answer checked."""
        order = iter(range(10**9))

        def request():
            listed = visits() if callable(visits) else visits
            visit = listed[next(order) % len(listed)]
            answer = client.generic(visit.method, visit.path, visit.body, headers=dict(visit.headers))
            if answer.status_code != 200:
                raise RuntimeError(f"{visit.path} answered {answer.status_code}")

        return Page(name, request, distinct=distinct or len(visits))

    return [
        visiting(BARE, [http.Visit(reverse("bench-bare"))]),
        visiting("front page", [http.Visit(reverse("home"))]),
        visiting("public check by number", http.public_checks(applications)),
        *(visiting(label, [http.Visit(reverse(name))]) for label, name in http.PUBLIC_PAGES_TO_COME),
        visiting("application page", detail),
        visiting("my applications", cabinet),
        visiting("API look-up", http.api_lookups(applications)),
        visiting(
            "places page",
            lambda: [http.parent_visit(press["places_url"], press["session"]) for press in rush()],
            http.VISITORS,
        ),
        visiting(
            "confirmation of Get referral",
            lambda: [http.parent_visit(press["url"], press["session"]) for press in rush()],
            http.VISITORS,
        ),
        Page("Get referral (the press)", _presses(client, largest, rng)),
    ]


def _presses(client, largest, rng) -> Callable[[], object]:
    """Each call is one parent's press on a place open to all: a referral or "no place left"."""
    from django.conf import settings

    from bench import http

    presses = []

    def request():
        if not presses:  # prepared at the first press: a run of other pages publishes no rush bulletin
            rush = http.prepare_rush(largest, rng, exclude=set())
            http.save_codes_valid_from_now(rush)  # valid from the first press: earlier pages may take minutes
            presses.append(iter(rush.presses))
        press = next(presses[0])
        client.cookies.clear()
        cookie = f"{settings.SESSION_COOKIE_NAME}={press['session']}"
        answer = client.post(press["url"], {"code": press["code"]}, headers={"Cookie": cookie})
        if answer.status_code != 302:
            raise RuntimeError(f"a press answered {answer.status_code}")

    return request


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--page", action="append", help="Only pages whose name holds this (repeatable).")
    args = parser.parse_args(argv)
    from bench.__main__ import configure

    configure(
        DEBUG="false",
        BENCHMARK_VIEWS="true",
        PUBLIC_CHECK_LOOKUPS_PER_WINDOW="1000000000",
        INTEGRATION_API_RATE="1000000/min",
    )
    import django

    django.setup()
    chosen = pages()
    if args.page:
        chosen = [page for page in chosen if any(text in page.name for text in args.page)]
    bare = None
    for page in chosen:
        requests = min(args.requests, PRESSES) if "press" in page.name else args.requests
        timing, totals = profile(page, requests=requests)
        print_profile(page.name, timing, totals, bare=bare)
        if page.name == BARE:
            bare = timing
    return 0


if __name__ == "__main__":
    sys.exit(main())
