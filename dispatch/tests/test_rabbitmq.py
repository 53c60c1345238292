"""Celery on RabbitMQ in production's shape: quorum queues, confirmed publishes, one beat in the cluster.

The live tests use this machine's RabbitMQ (127.0.0.1:5672, guest), each on a
queue of its own that it deletes; under CI=true an unreachable broker fails
them. Development and the tests themselves keep Redis and eager tasks.
"""

import json
import os
import subprocess
import sys
import textwrap
import uuid

import pytest
from django.conf import settings

from core.tests.production import PRINT_SETTINGS, run

RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
IN_CI = os.environ.get("CI", "").lower() == "true"
NAMES = (
    "CELERY_BROKER_TRANSPORT_OPTIONS",
    "CELERY_TASK_DEFAULT_QUEUE_TYPE",
    "CELERY_TASK_CREATE_MISSING_QUEUE_TYPE",
    "CELERY_TASK_ACKS_LATE",
    "CELERY_TASK_REJECT_ON_WORKER_LOST",
    "CELERY_TASK_ALWAYS_EAGER",
)


def settings_with(**environment) -> dict:
    script = f"NAMES = {NAMES!r}\n{PRINT_SETTINGS}".replace(
        "getattr(settings, name)", "getattr(settings, name, None)"
    )
    result = run(["-c", script], CELERY_TASK_ALWAYS_EAGER="false", **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_a_rabbitmq_broker_gets_quorum_queues_and_publisher_confirms():
    shape = settings_with(CELERY_BROKER_URL=RABBITMQ_URL)

    assert shape["CELERY_BROKER_TRANSPORT_OPTIONS"] == {"confirm_publish": True}
    assert shape["CELERY_TASK_DEFAULT_QUEUE_TYPE"] == "quorum"
    assert shape["CELERY_TASK_CREATE_MISSING_QUEUE_TYPE"] == "quorum"
    assert shape["CELERY_TASK_ACKS_LATE"] is True
    assert shape["CELERY_TASK_REJECT_ON_WORKER_LOST"] is True
    assert shape["CELERY_TASK_ALWAYS_EAGER"] is False


def test_a_redis_broker_keeps_its_short_timeouts_and_classic_queues():
    shape = settings_with(CELERY_BROKER_URL="redis://127.0.0.1:6379/0")

    assert shape["CELERY_BROKER_TRANSPORT_OPTIONS"] == {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
    assert shape["CELERY_TASK_DEFAULT_QUEUE_TYPE"] is None


@pytest.fixture
def rabbitmq():
    from kombu import Connection

    try:
        with Connection(RABBITMQ_URL, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as error:
        if IN_CI:
            pytest.fail(f"CI=true and RabbitMQ at {RABBITMQ_URL} is unreachable: {error}")
        pytest.skip(f"RabbitMQ at {RABBITMQ_URL} is unreachable")
    return RABBITMQ_URL


PUBLISH = """
import django, json, sys
django.setup()
from kindergarten_queue.celery import app
from core.metrics import _ready_messages
queue = sys.argv[1]
app.send_task("dispatch.tasks.purge_sent", queue=queue)  # returns once RabbitMQ confirmed it
with app.connection_for_write() as broker:
    channel = broker.channel()
    stored = _ready_messages(broker, queue)
    try:  # a classic declaration of the same queue is refused: it is a quorum queue
        channel.queue_declare(queue=queue, durable=True, auto_delete=False, passive=False)
        classic = True
    except Exception:
        classic = False
    broker.channel().queue_delete(queue)
print(json.dumps({"stored": stored, "classic": classic}))
"""


def test_a_published_task_is_stored_in_a_durable_quorum_queue(rabbitmq):
    queue = f"kezek-test-{uuid.uuid4().hex[:12]}"

    result = run(["-c", PUBLISH, queue], CELERY_BROKER_URL=rabbitmq, CELERY_TASK_ALWAYS_EAGER="false")

    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1]) == {"stored": 1, "classic": False}


@pytest.mark.django_db  # the test database exists: the beats take their lock in it
def test_a_second_beat_refuses_to_start_while_one_holds_the_schedule():
    database = settings.DATABASES["default"]
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    script = textwrap.dedent(
        """
        import django; django.setup()
        from core.singleton import hold_beat_lock
        hold_beat_lock()
        print("started", flush=True)
        """
    )

    def beat(*, stay: bool = False):
        command = [sys.executable, "-c", script + ("import time; time.sleep(60)" if stay else "")]
        options = {"cwd": settings.BASE_DIR, "env": environment, "text": True}
        if stay:
            return subprocess.Popen(command, stdout=subprocess.PIPE, **options)  # noqa: S603 (our script)
        return subprocess.run(command, capture_output=True, timeout=60, check=False, **options)  # noqa: S603

    first = beat(stay=True)
    try:
        assert first.stdout.readline().strip() == "started"
        second = beat()
        assert second.returncode != 0
        assert "Another Celery beat holds the schedule's lock" in second.stderr
    finally:
        first.kill()
        first.wait()
    assert beat().stdout.strip() == "started"  # the first one died: its lock went with it
