"""Celery beat runs once in the whole cluster (issue 16; docs/deployment.md, "Celery on RabbitMQ").

Two beats would send every scheduled job twice. The jobs are idempotent, but
the schedule should still have one author: a beat started by mistake on a
second host (or twice by an operator during a failover) refuses to start while
another one holds the PostgreSQL advisory lock below. The lock lives on a
connection of its own, kept for the beat's whole life, so it is released the
moment that beat dies, however it dies, and Django's closing of idle
connections never drops it. Behind PgBouncer in transaction mode it is a
transaction lock in a transaction kept open instead (core.pooler). On
SQLite (the one-process development default) there is only one beat anyway.
"""

import logging

from django.conf import settings

from core.pooler import behind_transaction_pooler, open_lock_transaction, own_connection

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
    connection = own_connection("kezek-beat-lock")
    if behind_transaction_pooler():  # a transaction lock, in a transaction open for the beat's life
        open_lock_transaction(connection)
        statement = "SELECT pg_try_advisory_xact_lock(%s)"
    else:
        connection.autocommit = True
        statement = "SELECT pg_try_advisory_lock(%s)"
    with connection.cursor() as cursor:
        cursor.execute(statement, [BEAT_LOCK_KEY])
        taken = cursor.fetchone()[0]
    if not taken:
        connection.close()
        raise AnotherBeatRuns("Another Celery beat holds the schedule's lock: this one does not start.")
    _held.append(connection)
    logger.info("This beat holds the schedule's lock")
