"""Redis down: pages answer, look-ups still count, notices wait and go out once Redis is back (issue 6)."""

import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from applications.models import Application
from applications.tests.factories import submit
from applications.tests.test_portal_apply import application_data, apply_url
from applications.views import CHECK_LOOKUPS_PER_WINDOW
from dispatch.models import PendingTask
from dispatch.services import relay_pending

from .conftest import REDIS_DOWN, sms_sent

pytestmark = pytest.mark.usefixtures("english_pages")

PATIENCE = 2.0  # seconds: generous; what it guards against is kombu's default retries, or a hang


@pytest.fixture
def redis_down(settings, broker):
    """Every use of Redis (cache, broker, queue ranks, admission gate) at a port where nothing listens."""
    settings.CACHES = {"default": {"BACKEND": "core.cache.FallbackRedisCache", "LOCATION": REDIS_DOWN}}
    settings.REDIS_URL = settings.QUEUE_RANKS_REDIS_URL = REDIS_DOWN
    cache.clear()  # the fallback memory of an earlier test in this process
    broker.down()
    return broker


def timed(request):
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_an_application_submitted_with_redis_down_is_registered_and_its_notice_sent_when_redis_is_back(
    child, settlement_a, redis_down, worker, parent_client
):
    response, seconds = timed(
        lambda: parent_client.post(apply_url(settlement_a), application_data(child), follow=True)
    )

    assert response.status_code == 200
    application = Application.objects.get()
    assert f"Application {application.display_number} is registered" in response.text
    assert seconds < PATIENCE
    row = PendingTask.objects.get()
    assert (row.args, row.sent_at, row.attempts) == ([application.pk], None, 1)
    assert "Connection refused" in row.last_error
    assert sms_sent(timeout=0) == []

    redis_down.up()
    assert relay_pending() == 1
    with worker():
        texts = sms_sent()

    assert len(texts) == 1
    assert application.display_number in texts[0]
    row.refresh_from_db()
    assert row.sent_at is not None
    assert row.done_at is not None


def test_the_cabinet_and_the_public_check_answer_with_redis_down(settlement_a, redis_down, parent_client):
    application = submit(settlement_a)

    cabinet, cabinet_seconds = timed(lambda: parent_client.get(reverse("applications:cabinet")))
    check, check_seconds = timed(
        lambda: parent_client.get(reverse("applications:check"), {"number": application.number})
    )

    assert (cabinet.status_code, check.status_code) == (200, 200)
    assert "position 1" in check.text
    assert max(cabinet_seconds, check_seconds) < PATIENCE


def test_the_public_check_still_limits_look_ups_with_redis_down(client, settlement_a, redis_down):
    application = submit(settlement_a)

    def look_up():
        return client.get(
            reverse("applications:check"), {"number": application.number}, REMOTE_ADDR="203.0.113.5"
        )

    assert all(look_up().status_code == 200 for _ in range(CHECK_LOOKUPS_PER_WINDOW))
    assert look_up().status_code == 429
