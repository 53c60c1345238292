"""How long a signed-in session lasts, and signing a user out on the server (docs/security.md, sessions)."""

import datetime
from importlib import import_module

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import sessions
from accounts.models import UserSession
from accounts.tests.helpers import START
from audit.models import AuditEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.clock(START),
    pytest.mark.usefixtures("clock", "english_pages"),
]

MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
CABINET = "/cabinet/"


@pytest.fixture
def staff_client(clock, client, specialist_a):
    client.force_login(specialist_a)
    return client


def test_a_parent_idle_for_29_minutes_is_still_signed_in(clock, parent_client):
    clock.shift(29 * MINUTE)
    assert parent_client.get(CABINET).status_code == 200


def test_a_parent_idle_for_31_minutes_is_signed_out_to_their_sign_in_page(clock, parent_client):
    clock.shift(31 * MINUTE)
    response = parent_client.get(CABINET)
    assert response.status_code == 302
    assert response.url == "/sign-in/?next=/cabinet/"
    page = parent_client.get(response.url).content.decode()
    assert "signed out after 30 minutes without activity" in page
    assert parent_client.get(CABINET).status_code == 302


def test_activity_keeps_a_parent_in_until_12_hours_after_signing_in(clock, parent_client):
    for _visit in range(12 * 6 - 1):
        clock.shift(10 * MINUTE)
        assert parent_client.get(CABINET).status_code == 200
    key = parent_client.session.session_key
    clock.shift(10 * MINUTE + MINUTE)
    assert parent_client.get(CABINET).url == "/sign-in/?next=/cabinet/"
    assert not Session.objects.filter(session_key=key, expire_date__gt=timezone.now()).exists()


def test_the_absolute_limit_holds_even_where_the_session_store_would_keep_a_session(parent):
    """The cookie and the stored session expire at the limit; the middleware's check stands behind them."""
    signed_in = datetime.datetime(2026, 11, 24, 5, 0, tzinfo=datetime.UTC)
    session = SessionStore()
    sessions.start(session, parent.user, signed_in)
    for minutes in range(10, 12 * 60 + 1, 10):
        assert sessions.expiry_reason(session, parent.user, signed_in + minutes * MINUTE) is None
    assert sessions.expiry_reason(session, parent.user, signed_in + 12 * HOUR + MINUTE) == sessions.ABSOLUTE


def test_staff_idle_for_14_minutes_are_still_signed_in(clock, staff_client):
    clock.shift(14 * MINUTE)
    assert staff_client.get("/admin/").status_code == 200


def test_staff_idle_for_16_minutes_are_signed_out_to_the_admin_sign_in(clock, staff_client):
    clock.shift(16 * MINUTE)
    response = staff_client.get("/admin/applications/application/")
    assert response.status_code == 302
    assert response.url == "/admin/login/?next=/admin/applications/application/"
    page = staff_client.get(response.url).content.decode()
    assert "signed out after 15 minutes without activity" in page


def test_activity_keeps_staff_in_until_8_hours_after_signing_in(clock, staff_client):
    for _visit in range(8 * 6 - 1):
        clock.shift(10 * MINUTE)
        assert staff_client.get("/admin/").status_code == 200
    clock.shift(11 * MINUTE)
    assert staff_client.get("/admin/").url == "/admin/login/?next=/admin/"


def test_an_expired_api_session_gets_401_json(clock, staff_client, settlement_a):
    clock.shift(16 * MINUTE)
    response = staff_client.get(f"/api/v1/queues/{settlement_a.kato_code}/2022/general/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


def test_the_old_cookie_opens_nothing_after_the_timeout(clock, parent_client):
    old_key = parent_client.session.session_key
    clock.shift(31 * MINUTE)
    parent_client.get(CABINET)
    assert not Session.objects.filter(session_key=old_key).exists()
    assert not UserSession.objects.filter(session_key=old_key).exists()
    replay = Client()
    replay.cookies["sessionid"] = old_key
    assert replay.get(CABINET).url == "/sign-in/?next=/cabinet/"
    assert AuditEvent.objects.filter(action="sign_in.session_expired", details__reason="idle").count() == 1


def test_the_cookie_never_outlives_the_absolute_limit(clock, parent_client, specialist_a):
    clock.shift(2 * MINUTE)
    response = parent_client.get(CABINET)
    assert int(response.cookies["sessionid"]["max-age"]) == (12 * HOUR - 2 * MINUTE).total_seconds()
    staff = Client()
    staff.force_login(specialist_a)
    clock.shift(2 * MINUTE)
    response = staff.get("/admin/")
    assert int(response.cookies["sessionid"]["max-age"]) == (8 * HOUR - 2 * MINUTE).total_seconds()


def test_signing_out_ends_the_session_on_the_server(parent_client):
    key = parent_client.session.session_key
    assert UserSession.objects.filter(session_key=key).exists()
    parent_client.post("/sign-out/")
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()


def test_a_disabled_staff_member_is_signed_out_of_every_browser_at_once(
    clock, superuser, specialist_a, district_a
):
    office, home = Client(), Client()
    office.force_login(specialist_a)
    home.force_login(specialist_a)
    assert home.get("/admin/").status_code == 200
    admin = Client()
    admin.force_login(superuser)

    response = admin.post(
        f"/admin/accounts/user/{specialist_a.pk}/change/",
        {
            "username": specialist_a.username,
            "role": "specialist",
            "districts": [district_a.pk],
            "is_staff": "on",
        },
    )

    assert response.status_code == 302
    specialist_a.refresh_from_db()
    assert not specialist_a.is_active
    assert home.get("/admin/").url == "/admin/login/?next=/admin/"
    assert office.get("/admin/").url == "/admin/login/?next=/admin/"
    assert not UserSession.objects.filter(user=specialist_a).exists()
    ended = AuditEvent.objects.get(action="sign_in.sessions_ended")
    assert ended.details == {"sessions": 2, "reason": "disabled"}


def test_a_user_disabled_outside_the_admin_is_signed_out_too(parent_client, parent):
    key = parent_client.session.session_key
    parent.user.is_active = False
    parent.user.save()
    assert not Session.objects.filter(session_key=key).exists()


# --- Sessions come from the cache (issue 11) ----------------------------------------------------------


def _session_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CABINET).status_code == 200
    return [query["sql"] for query in queries.captured_queries if Session._meta.db_table in query["sql"]]


def test_a_signed_in_page_reads_its_session_from_the_cache_not_the_database(parent_client):
    parent_client.get(CABINET)  # the first page after signing in may read the row

    assert _session_queries(parent_client) == []


def test_a_session_ended_by_signing_out_opens_nothing_though_it_was_cached(parent_client):
    key = parent_client.session.session_key
    parent_client.get(CABINET)
    parent_client.post("/sign-out/")

    replay = Client()
    replay.cookies["sessionid"] = key
    assert replay.get(CABINET).url == "/sign-in/?next=/cabinet/"


def test_a_cached_session_lives_at_most_the_set_bound_in_the_cache(settings, parent_client):
    settings.SESSION_CACHE_SECONDS = 7
    cache = caches[settings.SESSION_CACHE_ALIAS]
    if not hasattr(cache, "count_in_window"):
        pytest.fail("the suite runs with REDIS_URL: sessions must be cached in Redis here")
    store = import_module(settings.SESSION_ENGINE).SessionStore(parent_client.session.session_key)
    cache.delete(store.cache_key)
    store.load()  # read from the database, copied to the cache
    key = cache.make_and_validate_key(store.cache_key)

    assert 0 < cache._cache.get_client().ttl(key) <= 7
