"""Public pages from the read replica: a parent still reads their own change, lag and outages fall back.

The "replica" is a second real database on the tests' PostgreSQL server, a
copy of the test database made once at the start. The test's own rows are
written to the primary inside the test's transaction, so the replica never has
them: exactly a replica that has not caught up yet. A page that finds the
application read the primary; one that does not, read the replica. The lag of
a real standby is simulated by the query that measures it.
"""

import time

import psycopg2
import pytest
from django.db import connections
from django.db.utils import load_backend
from django.urls import reverse
from prometheus_client import REGISTRY

from accounts.choices import Role
from accounts.tests.factories import ApplicantFactory, UserFactory
from applications import services
from applications.tests.factories import submit
from core import replicas
from core.replicas import REPLICA, STAMP_COOKIE

pytestmark = [
    pytest.mark.usefixtures("english_pages"),
    pytest.mark.filterwarnings("ignore:Overriding setting DATABASES"),
]
NOT_FOUND = "No application with this number was found."
FOUND = "In queue"


@pytest.fixture(scope="session")
def replica_database(django_db_setup, django_db_blocker):
    """A copy of the migrated test database under another name, made once, dropped at the end."""
    primary = connections["default"].settings_dict["NAME"]
    name = f"{primary}_replica"
    with django_db_blocker.unblock():
        _server_sql(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}" TEMPLATE "{primary}"')
    yield name
    with django_db_blocker.unblock():
        _server_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server_sql(*statements: str) -> None:
    """Statements on the server itself; the test database must have no other session to be a template."""
    for connection in connections.all():
        connection.close()
    with connections["default"]._nodb_cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@pytest.fixture
def replica(db, settings, replica_database):
    """The ``replica`` alias, as ``DATABASE_REPLICA_URL`` would make it, pointing at the copy.

    Its connection is made here rather than from the settings, which Django read
    before the test started: a connection made at run time is one the test case
    lets the test use.
    """
    config = {**connections["default"].settings_dict, "NAME": replica_database}
    connections[REPLICA] = load_backend(config["ENGINE"]).DatabaseWrapper(config, REPLICA)
    settings.DATABASES = {**settings.DATABASES, REPLICA: config}
    replicas.forget_state()
    yield config
    connections[REPLICA].close()
    del connections[REPLICA]
    replicas.forget_state()


@pytest.fixture
def parent(db):
    return ApplicantFactory(user=UserFactory(username="parent", role=Role.PARENT))


@pytest.fixture
def application(parent, settlement_a):
    return submit(
        settlement_a,
        actor=parent.user,
        applicant=services.ApplicantDetails(
            iin=parent.iin, surname=parent.surname, name=parent.name, phone=parent.phone
        ),
    )


def check(client, application):
    response = client.get(reverse("applications:check"), {"number": application.number})
    assert response.status_code == 200
    return response.text


def simulate_lag(monkeypatch, seconds: float) -> None:
    monkeypatch.setattr(replicas, "LAG_SQL", f"SELECT {seconds}")
    replicas.forget_state()


def test_the_public_check_reads_from_the_replica(client, replica, application):
    queries_before = (
        REGISTRY.get_sample_value("kezek_db_query_duration_seconds_count", {"alias": "replica"}) or 0
    )

    assert NOT_FOUND in check(client, application)  # the replica has not received it yet
    assert (
        REGISTRY.get_sample_value("kezek_db_query_duration_seconds_count", {"alias": "replica"})
        > queries_before
    )


def test_pages_of_a_signed_in_parent_and_every_write_stay_on_the_primary(
    client, replica, parent, application
):
    client.force_login(parent.user)

    page = client.get(reverse("applications:detail", args=[application.number]))

    assert page.status_code == 200
    assert application.number in page.text


def test_after_a_change_the_parent_reads_it_from_the_primary(client, replica, parent, application, settings):
    client.force_login(parent.user)

    response = client.post(reverse("applications:withdraw", args=[application.number]))

    assert response.status_code == 302
    stamp = response.cookies[STAMP_COOKIE]
    assert stamp["max-age"] == settings.REPLICA_STICKY_SECONDS
    assert stamp["httponly"]
    # The withdrawal is not on the replica yet, but this browser is sent to the primary: it sees it.
    assert "Withdrawn" in check(client, application)

    del client.cookies[STAMP_COOKIE]  # the stamp expired: back to the replica
    assert NOT_FOUND in check(client, application)


def test_a_replica_lagging_beyond_the_setting_is_left_until_it_catches_up(
    client, replica, application, monkeypatch
):
    simulate_lag(monkeypatch, 12.5)

    assert FOUND in check(client, application)
    metrics = client.get("/metrics").text
    assert "kezek_replica_lag_seconds 12.5" in metrics
    readiness = client.get("/readyz").json()
    assert readiness["status"] == "ready"
    assert readiness["checks"]["replica"]["ok"] is False
    assert readiness["checks"]["replica"]["lag_seconds"] == 12.5

    simulate_lag(monkeypatch, 0.5)
    assert NOT_FOUND in check(client, application)


def test_a_replica_that_is_down_leaves_the_pages_on_the_primary(client, replica, application):
    replica["PORT"] = 1  # nothing listens there: the replica's server is stopped
    connections[REPLICA].close()

    started = time.monotonic()
    assert FOUND in check(client, application)
    assert FOUND in check(client, application)  # the second page does not even try it

    assert time.monotonic() - started < 3
    assert replicas.state().usable is False
    assert client.get("/readyz").json()["checks"]["replica"]["ok"] is False


def test_a_page_whose_replica_query_failed_is_rendered_again_from_the_primary(client, replica, application):
    assert NOT_FOUND in check(client, application)  # the replica is known to be usable
    with _broken_table(replica, "applications_application"):
        assert FOUND in check(client, application)


class _broken_table:
    """The replica answers its lag, but a page's query fails there (a table renamed away for a while)."""

    def __init__(self, config: dict, table: str):
        self.config, self.table = config, table

    def _alter(self, old: str, new: str) -> None:
        connections[REPLICA].close()
        connection = psycopg2.connect(
            host=self.config["HOST"],
            port=self.config["PORT"],
            user=self.config["USER"],
            password=self.config["PASSWORD"],
            dbname=self.config["NAME"],
        )
        connection.autocommit = True
        with connection, connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE "{old}" RENAME TO "{new}"')
        connection.close()

    def __enter__(self):
        self._alter(self.table, f"{self.table}_away")

    def __exit__(self, *exc):
        self._alter(f"{self.table}_away", self.table)


def test_without_a_replica_nothing_changes(client, parent, application):
    client.force_login(parent.user)

    response = client.post(reverse("applications:withdraw", args=[application.number]))

    assert STAMP_COOKIE not in response.cookies
    assert replicas.ReplicaRouter().db_for_read(type(application)) is None
    assert "Withdrawn" in check(client, application)
