"""Shared test set-up: services the tests rely on, and the named actors (STYLE.md).

Under ``CI=true`` the suite refuses to run without PostgreSQL: a test that
needs it fails loudly instead of quietly running somewhere else.

``client.force_login(user)`` stands for a full sign-in: for a staff member
(``User.is_staff_member``) it is the password *and* the second factor, as if
the code of a confirmed authenticator device had been accepted (the session
carries the device, as ``django_otp.login`` leaves it). Tests of a session
that has given only the password sign in through the admin's password form
instead (``accounts/tests/test_second_factor.py``). A parent's page is read
through ``parent_client``, signed in as the one-time code leaves a parent.

Time is held by one fixture, ``clock``, at the moment of a ``clock`` mark on
the test or its module; no test module builds its own frozen clock.
"""

import os
import shutil
import uuid
from pathlib import Path

import pytest
import redis
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import translation

from accounts.choices import Role
from accounts.tests.factories import ApplicantFactory, UserFactory
from applications import services as application_services
from applications.tests.factories import child_details
from directory.tests.factories import DistrictFactory, KindergartenFactory, SettlementFactory

IN_CI = os.environ.get("CI", "").lower() == "true"
#: How a parent's session is signed in: by the one-time code, as the sign-in page leaves it.
PARENT_BACKEND = "accounts.backends.OneTimeCodeBackend"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "clock(moment, tick=False): the moment at which the ``clock`` fixture holds time"
    )


def pytest_sessionstart(session):
    engine = settings.DATABASES["default"]["ENGINE"]
    if IN_CI and "postgresql" not in engine:
        pytest.exit(
            "CI=true: DATABASE_URL must point at PostgreSQL; refusing to run on " + engine, returncode=3
        )


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_tasks_in_the_test():
    """Tasks run where they are enqueued; tests of a real worker start one themselves."""
    from kindergarten_queue.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded files, the SMS and e-mail outbox and the open data go to a throw-away folder, never var/."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.OUTBOX_DIR = tmp_path / "outbox"
    settings.OPEN_DATA_ROOT = tmp_path / "open-data"


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """``force_login`` of a staff member leaves a session verified with a confirmed TOTP device."""
    from accounts.tests.helpers import verify_session

    password_only = Client.force_login

    def force_login(client, user, backend=None):
        password_only(client, user, backend)
        if user.is_staff_member:
            verify_session(client, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Staff users are made in many tests; a deliberately slow hasher would cost seconds each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english():
    """Messages in English, the message ids, for tests that read the text of an error or an explanation."""
    with translation.override("en"):
        yield


@pytest.fixture
def english_pages(settings):
    """Pages in English, the message ids, for tests that read text whatever the translations say."""
    settings.LANGUAGES = [("en", "English"), *settings.LANGUAGES]
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def clock(request):
    """Time held at the moment of the test's (or its module's) ``clock`` mark while the test runs.

    ``pytest.mark.clock(NOW)`` says when, asking for ``clock`` (as an argument or
    with ``usefixtures``, which sets it before every other fixture) says that:
    ``pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]``
    holds a whole module at NOW. Time stands still unless the mark says
    ``tick=True`` (a browser test, whose pages wait on time passing). The
    fixture is time-machine's traveller: ``clock.shift(seconds)`` moves it on.
    """
    mark = request.node.get_closest_marker("clock")
    if mark is None:
        pytest.fail(
            "The clock fixture needs a moment: mark the test or its module with pytest.mark.clock(moment)"
        )
    with time_machine.travel(*mark.args, **{"tick": False, **mark.kwargs}) as traveller:
        yield traveller


@pytest.fixture
def parent(db):
    """A signed-up parent: the applicant record, linked to a user of role parent (username "parent")."""
    return ApplicantFactory(user=UserFactory(username="parent", role=Role.PARENT))


@pytest.fixture
def other_parent(db):
    """Another family's parent, whose applications and children ``parent`` must never see."""
    return ApplicantFactory(
        user=UserFactory(username="other_parent", role=Role.PARENT), surname="Бекова", name="Гүлнар"
    )


@pytest.fixture
def child(parent):
    """A child on ``parent``'s list (born in 2022), ready to apply for."""
    return application_services.add_child(applicant=parent, details=child_details(), actor=parent.user).child


@pytest.fixture
def parent_client(client, parent):
    """The test client signed in as ``parent``, as the one-time code of the sign-in page leaves it."""
    client.force_login(parent.user, backend=PARENT_BACKEND)
    return client


@pytest.fixture
def district_a(db):
    return DistrictFactory(kato_code="751000000", name_kk="Алмалы ауданы", name_ru="Алмалинский район")


@pytest.fixture
def district_b(db):
    return DistrictFactory(kato_code="752000000", name_kk="Бостандық ауданы", name_ru="Бостандыкский район")


@pytest.fixture
def settlement_a(district_a):
    return SettlementFactory(district=district_a, kato_code="751010000", name_kk="Алматы", name_ru="Алматы")


@pytest.fixture
def settlement_b(district_b):
    return SettlementFactory(district=district_b, kato_code="752010000", name_kk="Түрген", name_ru="Тургень")


@pytest.fixture
def kindergarten_a(settlement_a):
    return KindergartenFactory(settlement=settlement_a)


@pytest.fixture
def specialist_a(district_a):
    """A specialist of district A's education department."""
    return UserFactory(username="specialist_a", role=Role.SPECIALIST, is_staff=True, districts=[district_a])


@pytest.fixture
def second_specialist_a(district_a):
    """Another specialist of district A, to verify what the first one uploaded (four eyes)."""
    return UserFactory(username="specialist_a2", role=Role.SPECIALIST, is_staff=True, districts=[district_a])


@pytest.fixture
def specialist_b(district_b):
    return UserFactory(username="specialist_b", role=Role.SPECIALIST, is_staff=True, districts=[district_b])


@pytest.fixture
def call_centre_operator(db):
    return UserFactory(username="operator", role=Role.CALL_CENTRE, is_staff=True)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)


def _redis_unreachable(reason: str):
    if IN_CI:
        pytest.fail(f"CI=true and {reason}: the read path must be tested against a real Redis")
    pytest.skip(reason)


@pytest.fixture
def ranks_redis(settings):
    """The Redis of the queue ranks (queues/ranks.py), under a key prefix of this test alone.

    Under ``CI=true`` a missing Redis fails the test instead of skipping it.
    """
    if not settings.QUEUE_RANKS_REDIS_URL:
        _redis_unreachable("REDIS_URL is not set")
    from core import breaker
    from queues import ranks

    settings.QUEUE_RANKS_KEY_PREFIX = f"test:{uuid.uuid4().hex}:"
    # A busy test machine can stall Redis past the production timeout; that fallback has its own test.
    settings.QUEUE_RANKS_TIMEOUT = 5.0
    breaker.close_all()
    r = ranks.client()
    try:
        r.ping()
    except redis.RedisError as error:
        _redis_unreachable(f"Redis is unreachable ({error})")
    yield r
    for key in r.scan_iter(match=f"{settings.QUEUE_RANKS_KEY_PREFIX}*", count=1000):
        r.delete(key)
    breaker.close_all()


@pytest.fixture(autouse=True)
def _services_answer():
    """An outage simulated by an earlier test is over: no circuit breaker starts open."""
    from core import breaker

    breaker.close_all()


@pytest.fixture(autouse=True)
def person_register(settings, tmp_path):
    """The person register's fake, empty for each test: ``person_register.add(person, ...)`` fills it."""
    settings.REGISTERS_BACKEND = "registers.persons.FakePersonRegister"
    settings.REGISTERS_FAKE_FILE = tmp_path / "register" / "persons.sqlite3"
    return FakeRecords(settings.REGISTERS_FAKE_FILE)


class FakeRecords:
    """The records the fake register (in process, or the loopback SOAP fake) answers from."""

    def __init__(self, path: Path):
        self.path = path
        self.people = {}

    def add(self, *people) -> None:
        from registers.persons import write_fake_records

        self.people.update({person.iin: person for person in people})
        write_fake_records(self.people.values(), path=self.path)


@pytest.fixture
def fake_bus(person_register, settings):
    """The loopback SOAP fake of the bus, and the settings that send the person register to it."""
    from registers.fake_bus import FakeBus, serve_on_loopback

    bus = FakeBus()
    with serve_on_loopback(bus) as url:
        settings.REGISTERS_BACKEND = "registers.bus.BusPersonRegister"
        settings.REGISTERS_BUS_URL = url
        settings.REGISTERS_TIMEOUT = 0.5
        yield bus


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (Redis in CI), so rate limits and cached values never leak."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def shared_cache(settings):
    """The suite's Redis cache, so a page cached by one request is found by the next (core.pagecache)."""
    if not settings.CACHES["default"]["BACKEND"].endswith("FallbackRedisCache"):
        pytest.fail("the suite runs with REDIS_URL: shared pages are cached in Redis")


# --- browser tests: Playwright driving Debian's Chromium ---------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium, or a skip outside CI when it is missing (under CI=true: a failure)."""
    executable = shutil.which("chromium")
    if executable is None:
        if IN_CI:
            pytest.fail("CI=true and Debian's chromium is missing: browser tests must run")
        pytest.skip("Debian's chromium is not installed (make test installs it where it can)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests' own database calls are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=sorted(VIEWPORTS))
def browser_page(request, chromium):
    """A fresh page at a phone-sized and at a desktop-sized viewport; ``page.viewport_name`` tells which."""
    context = chromium.new_context(viewport=VIEWPORTS[request.param], locale="kk-KZ")
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    """Keep a picture of a page under var/screenshots/ for a person to look at."""
    folder = Path(settings.BASE_DIR) / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{page.viewport_name}.png"), full_page=True)
