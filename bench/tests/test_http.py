"""What the HTTP figures of ``make bench`` rest on: the bare view, and parents signed in as the bench does."""

import importlib

import pytest
from django.conf import settings as django_settings
from django.urls import clear_url_caches, reverse

from accounts.models import CodePurpose
from accounts.services import verify_code
from applications.tests.factories import submit
from bench import http
from bench.views import BARE_ANSWER
from core import clock
from kindergarten_queue import urls


@pytest.fixture
def benchmark_views(settings):
    settings.BENCHMARK_VIEWS = True
    _reload_urls()
    yield
    settings.BENCHMARK_VIEWS = False
    _reload_urls()


def _reload_urls():
    importlib.reload(urls)
    clear_url_caches()


@pytest.mark.django_db
def test_bare_view_is_not_served_unless_benchmark_views_is_on(client):
    assert client.get("/bench/bare/").status_code == 404


@pytest.mark.django_db
def test_bare_view_answers_its_fixed_json_through_the_middleware(client, benchmark_views):
    response = client.get("/bench/bare/")

    assert response.status_code == 200
    assert response.json() == BARE_ANSWER
    assert response["X-Frame-Options"] == "DENY"  # the middleware of every page ran
    assert client.post("/bench/bare/").status_code == 405


@pytest.mark.django_db
def test_a_bench_session_opens_the_parents_own_pages(client, settlement_a):
    application = submit(settlement_a)
    user = http.parent_users([application.applicant])[application.applicant_id]
    client.cookies[django_settings.SESSION_COOKIE_NAME] = http.signed_in(user, now=clock.now())

    cabinet = client.get(reverse("applications:cabinet"))
    page = client.get(reverse("applications:detail", args=[application.number]))

    assert cabinet.status_code == 200
    assert page.status_code == 200
    assert application.display_number in page.content.decode()


@pytest.mark.django_db
def test_a_known_code_is_accepted_once_for_taking_a_referral(settlement_a):
    application = submit(settlement_a)
    code, secret = http.known_code(application.applicant)
    code.save(force_insert=True)

    accepted = verify_code(code_id=code.pk, code=secret, purpose=CodePurpose.TAKE_REFERRAL, client_ip=None)

    assert accepted.used_at is not None
