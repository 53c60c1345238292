"""Celery beat runs once in the whole cluster (issue 16; docs/deployment.md, "Celery on RabbitMQ").

Two beats would send every scheduled job twice. The jobs are idempotent, but
the schedule should still have one author: a beat started by mistake on a
second host (or twice by an operator during a failover) refuses to start while
another one holds the PostgreSQL advisory lock below. The lock lives on a
connection of its own, kept for the beat's whole life, so it is released the
moment that beat dies, however it dies, and Django's closing of idle
connections never drops it. On SQLite (the one-process development default)
there is only one beat anyway.
"""

import logging

import psycopg2
from django.conf import settings

logger = logging.getLogger(__name__)

#: The advisory lock key: "KZ BEAT" in a space of its own, apart from the gate's and open_access's keys.
BEAT_LOCK_KEY = 0x4B5A_BEA7
_held = []


class AnotherBeatRuns(SystemExit):
    """Raised in a starting beat while another holds the lock: the process exits, saying why."""


def hold_beat_lock() -> None:
    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        return
    connection = psycopg2.connect(
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        user=database["USER"] or None,
        password=database["PASSWORD"] or None,
        dbname=database["NAME"],
        application_name="kezek-beat-lock",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY])
        taken = cursor.fetchone()[0]
    if not taken:
        connection.close()
        raise AnotherBeatRuns("Another Celery beat holds the schedule's lock: this one does not start.")
    _held.append(connection)
    logger.info("This beat holds the schedule's lock")
