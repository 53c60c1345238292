"""The Celery app pointed at a real broker for a test: Redis up, or a closed port for Redis down."""

import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from core.tests.test_infrastructure import require
from kindergarten_queue.celery import app

REDIS_DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused at once


class Broker:
    """Where the Celery app sends: ``up()`` (the suite's Redis) or ``down()``; tasks are not run eagerly."""

    def __init__(self):
        self.original = app.conf.broker_url
        self.redis_url = settings.REDIS_URL

    def at(self, url: str) -> None:
        app.conf.broker_url = url
        # Celery keeps pooled connections to the broker it first used: forget them.
        app._pool = None
        app.amqp._producer_pool = None

    def up(self) -> None:
        require(bool(self.redis_url), "Redis (REDIS_URL)")
        self.at(self.redis_url)

    def down(self) -> None:
        self.at(REDIS_DOWN)


@pytest.fixture
def broker():
    app.conf.task_always_eager = False
    broker = Broker()
    yield broker
    broker.at(broker.original)
    app.conf.task_always_eager = True


@pytest.fixture
def worker(broker):
    """A real Celery worker in a thread, on the broker of the moment, for the Procfile worker's queues."""
    return lambda: start_worker(
        app, pool="solo", perform_ping_check=False, queues=["celery", "notifications"]
    )


def sms_sent(timeout: float = 10.0) -> list[str]:
    """The texts in the SMS outbox, waiting up to ``timeout`` seconds for the first (a worker runs apart)."""
    deadline = time.monotonic() + timeout
    while True:
        texts = [path.read_text() for path in sorted(Path(settings.OUTBOX_DIR).glob("*-sms-*.txt"))]
        if texts or time.monotonic() > deadline:
            return texts
        time.sleep(0.1)
