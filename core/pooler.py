"""PgBouncer in transaction mode in front of PostgreSQL (issue 16; docs/deployment.md, "PgBouncer").

With ``DATABASE_POOLER=transaction`` the pooler lends a server connection to a
client for one transaction only: two statements outside a transaction may run
on two different server sessions, and whatever one session kept (a session
advisory lock, a ``SET``, a ``WITH HOLD`` cursor) is seen by the next client
that borrows it. So behind the pooler nothing relies on a session: settings
turn Django's server-side cursors off, every ``SET`` is ``set_config(..., true)``
inside its transaction (``bulletins.services._one_opening_per_queue``), and the
two locks that must outlive a transaction (the beat's, ``core.singleton``, and
the admission gate's fallback, ``placements.gate``) become transaction locks
held in a transaction left open on a connection of their own: the pooler keeps
that server session theirs until the transaction ends, and ends it (releasing
the lock) when the connection closes or its process dies.
"""

import psycopg2
from django.conf import settings
from django.db import connection


def behind_transaction_pooler() -> bool:
    return settings.DATABASE_POOLER == "transaction"


def own_connection(application_name: str):
    """A new connection to the default database (through the pooler, if there is one), outside Django's."""
    database = connection.settings_dict
    return psycopg2.connect(
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        user=database["USER"] or None,
        password=database["PASSWORD"] or None,
        dbname=database["NAME"],
        application_name=application_name,
    )


def open_lock_transaction(holder) -> None:
    """Begin the transaction a held lock lives in; no idle-in-transaction timeout may end it early."""
    holder.autocommit = False
    with holder.cursor() as cursor:
        cursor.execute("SELECT set_config('idle_in_transaction_session_timeout', '0', true)")
