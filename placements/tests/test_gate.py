"""The bulletin-day admission gate: beyond the limit a take waits politely, and no slot is ever lost."""

import logging
import os
import re
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F

from accounts.models import OneTimeCode
from accounts.session_store import SessionStore
from bulletins.models import BulletinPlace
from core.breaker import Breaker
from placements import gate, services
from placements.errors import PlaceAlreadyTaken
from placements.models import Referral
from placements.tests.pages import (
    AN_HOUR_LATER,
    confirm_url,
    places_url,
    press_get_referral,
    signed_in,
)

IN_CI = os.environ.get("CI", "").lower() == "true"
CLOSED_PORT = "redis://127.0.0.1:1/0"


pytestmark = [pytest.mark.clock(AN_HOUR_LATER, tick=True), pytest.mark.usefixtures("clock", "english_pages")]


@pytest.fixture(autouse=True)
def _one_slot(settings, monkeypatch):
    settings.GATE_LIMIT = 1
    monkeypatch.setattr(gate, "redis_breaker", Breaker("Redis", logger=gate.logger))


@pytest.fixture
def redis_client(settings):
    if not settings.REDIS_URL:
        if IN_CI:
            pytest.fail("CI=true and REDIS_URL is not set: the gate's Redis path must be tested")
        pytest.skip("REDIS_URL is not set")
    client = gate._redis()
    client.delete(gate.GATE_KEY)
    yield client
    client.delete(gate.GATE_KEY)


def hold_a_slot(client, *, age_seconds: float = 0) -> None:
    """Another request in flight, started ``age_seconds`` ago by Redis's clock."""
    seconds, microseconds = client.time()
    client.zadd(gate.GATE_KEY, {"another-request": seconds + microseconds / 1e6 - age_seconds})


@pytest.fixture
def parent_with_code(client, waiting_four, place):
    """G1 signed in, Get referral pressed: the application and the code the SMS brought."""
    g1 = waiting_four[0]
    signed_in(client, g1)
    _response, code = press_get_referral(client, g1, place)
    return g1, code


def test_a_take_beyond_the_limit_gets_the_waiting_page_and_keeps_the_code(
    client, redis_client, parent_with_code
):
    g1, code = parent_with_code
    hold_a_slot(redis_client)

    response = client.post(confirm_url(g1), {"code": code})

    assert response.status_code == 503
    assert 1 <= int(response["Retry-After"]) <= 3
    page = response.content.decode()
    assert "Many parents are getting referrals right now" in page
    assert "Your request has not been lost" in page
    assert f'action="{confirm_url(g1)}"' in page
    assert f'name="code" value="{code}"' in page
    assert "The service is free" in page  # the portal's own layout
    assert not Referral.objects.exists()
    assert OneTimeCode.objects.get(purpose="take_referral").used_at is None

    redis_client.delete(gate.GATE_KEY)  # the other request ends
    response = client.post(confirm_url(g1), {"code": code})

    assert response.status_code == 302
    assert Referral.objects.get().application == g1
    assert gate.in_flight() == 0


def test_the_waiting_page_sends_the_same_code_again_by_itself_after_retry_after(
    client, redis_client, parent_with_code
):
    g1, code = parent_with_code
    hold_a_slot(redis_client)

    response = client.post(confirm_url(g1), {"code": code})

    page = response.content.decode()
    form = re.search(r'<form [^>]*id="gate-retry"[^>]*>', page).group(0)
    assert f'data-retry-after="{response["Retry-After"]}"' in form
    assert f'action="{confirm_url(g1)}"' in form
    assert f'name="code" value="{code}"' in page
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    script = re.search(r'<script nonce="([^"]+)">(.*?)</script>', page, re.S)
    assert script.group(1) == nonce  # allowed by the page's policy, unlike an injected one
    assert "form.submit()" in script.group(2)
    assert "This page presses the button for you" in page
    assert "Try again" in page  # without scripts the button still sends the same code


def test_a_press_turned_away_is_no_error_in_the_log_and_its_page_carries_no_menu(
    client, redis_client, parent_with_code, caplog
):
    """Planned and counted: on a rush morning thousands of them would bury the real errors."""
    g1, code = parent_with_code
    hold_a_slot(redis_client)

    with caplog.at_level(logging.INFO):
        response = client.post(confirm_url(g1), {"code": code})

    assert response.status_code == 503
    assert not [line for line in caplog.records if line.name == "django.request"]
    page = response.content.decode()
    assert "Sign out" not in page  # the menu of a signed-in parent: the lightest page the portal has
    assert f'name="code" value="{code}"' in page


def test_a_press_on_a_place_already_gone_is_answered_before_the_code_is_checked(
    client, redis_client, parent_with_code, place
):
    g1, code = parent_with_code
    BulletinPlace.objects.filter(pk=place.pk).update(taken=F("places"))

    response = client.post(confirm_url(g1), {"code": code}, follow=True)

    assert response.redirect_chain[-1][0] == places_url(g1)
    assert [str(message) for message in response.context["messages"]] == [PlaceAlreadyTaken().message]
    assert OneTimeCode.objects.get(purpose="take_referral").used_at is None
    assert not Referral.objects.exists()


def test_a_press_turned_away_in_front_reads_no_session_no_user_and_nothing_of_the_take(
    client, redis_client, parent_with_code, monkeypatch, django_assert_num_queries
):
    """Answered by the gate in front of Django: the thousands who must wait cost the takes no CPU."""
    g1, code = parent_with_code
    hold_a_slot(redis_client)
    sessions_read = []
    real_load = SessionStore.load
    monkeypatch.setattr(SessionStore, "load", lambda store: sessions_read.append(1) or real_load(store))
    monkeypatch.setattr("placements.services.take_referral", never_called)

    with django_assert_num_queries(0):
        response = client.post(confirm_url(g1), {"code": code})

    assert response.status_code == 503
    assert f'name="code" value="{code}"' in response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()  # the retry passes Django's CSRF check
    assert sessions_read == []
    assert gate.in_flight() == 1  # the other request's slot only


def test_a_press_let_in_in_front_holds_one_slot_for_the_whole_request(
    client, redis_client, parent_with_code, monkeypatch
):
    g1, code = parent_with_code
    in_flight_during_the_take = []
    real_take = services.take_referral

    def take_and_look(**kwargs):
        in_flight_during_the_take.append(gate.in_flight())
        return real_take(**kwargs)

    monkeypatch.setattr("placements.services.take_referral", take_and_look)

    response = client.post(confirm_url(g1), {"code": code})

    assert response.status_code == 302
    assert in_flight_during_the_take == [1]  # the front's slot: the view's own gate took no second one
    assert gate.in_flight() == 0


def test_the_waiting_page_in_front_leads_back_to_the_places_in_the_parents_language(
    client, redis_client, parent_with_code
):
    g1, code = parent_with_code
    hold_a_slot(redis_client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    response = client.post(confirm_url(g1), {"code": code})

    assert response.status_code == 503
    page = response.content.decode()
    assert f'href="{places_url(g1)}"' in page
    assert '<html lang="ru">' in page


def never_called(**kwargs):
    raise AssertionError("a press turned away reached the take")


def test_the_slot_is_given_back_when_the_take_fails(client, redis_client, parent_with_code, monkeypatch):
    g1, code = parent_with_code

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr("placements.services.take_referral", broken)
        with pytest.raises(RuntimeError):
            client.post(confirm_url(g1), {"code": code})

    assert gate.in_flight() == 0
    assert client.post(confirm_url(g1), {"code": code}).status_code == 302
    assert Referral.objects.filter(application=g1).exists()


def test_a_token_older_than_the_timeout_holds_no_slot(client, redis_client, parent_with_code, settings):
    g1, code = parent_with_code
    hold_a_slot(redis_client, age_seconds=settings.GATE_TIMEOUT_SECONDS + 1)

    response = client.post(confirm_url(g1), {"code": code})

    assert response.status_code == 302
    assert Referral.objects.filter(application=g1).exists()
    assert gate.in_flight() == 0  # the crashed request's token is gone too


def test_without_redis_postgresql_locks_still_limit_the_takes(client, parent_with_code, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the database fallback counts with PostgreSQL advisory locks")
    settings.REDIS_URL = CLOSED_PORT
    g1, code = parent_with_code
    holding, done = threading.Event(), threading.Event()

    def another_request():
        try:
            with gate.admission():
                holding.set()
                done.wait(timeout=10)
        finally:
            connection.close()

    other = threading.Thread(target=another_request)
    other.start()
    try:
        assert holding.wait(timeout=10)
        response = client.post(confirm_url(g1), {"code": code})
        assert response.status_code == 503
        assert "Retry-After" in response
        assert not Referral.objects.exists()
    finally:
        done.set()
        other.join(timeout=10)

    response = client.post(confirm_url(g1), {"code": code})

    assert response.status_code == 302
    assert Referral.objects.filter(application=g1).exists()


def test_a_press_without_a_sign_in_never_takes_a_slot(client, redis_client, parent_with_code, monkeypatch):
    """Anyone can send POSTs: only a signed-in parent's press may wait for, or hold, a place in the gate."""
    g1, code = parent_with_code
    client.logout()
    slots = []
    real_admission = gate.admission

    def counting_admission(*args, **kwargs):
        slots.append(1)
        return real_admission(*args, **kwargs)

    monkeypatch.setattr(gate, "admission", counting_admission)
    response = client.post(confirm_url(g1), {"code": code})

    assert response.status_code == 302
    assert "/sign-in/" in response.url
    assert slots == []


def test_a_take_turned_away_is_counted_for_the_operators(client, redis_client, parent_with_code):
    from prometheus_client import REGISTRY

    g1, code = parent_with_code
    hold_a_slot(redis_client)
    before = REGISTRY.get_sample_value("kezek_gate_refusals_total") or 0

    client.post(confirm_url(g1), {"code": code})

    assert REGISTRY.get_sample_value("kezek_gate_refusals_total") == before + 1
    redis_client.delete(gate.GATE_KEY)
