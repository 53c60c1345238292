"""``record_select``: many events of one action chosen in SQL, each as ``record`` would write it."""

import datetime

import pytest
from django.db import connection

from audit import context
from audit.models import AuditEvent, AuditTrailIsAppendOnly
from audit.services import record, record_select
from core.inserts import json_object_sql
from directory.models import Settlement

AT = datetime.datetime(2026, 12, 14, 5, tzinfo=datetime.UTC)
FIELDS = (
    "at",
    "actor",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "details",
    "ip_address",
    "request_id",
)


@pytest.fixture
def in_a_request():
    token = context.bind(context.RequestContext(ip_address="10.1.2.3", request_id="req-42"))
    yield
    context.unbind(token)


def settlements_sql() -> str:
    table = connection.ops.quote_name(Settlement._meta.db_table)
    details = json_object_sql(kato="kato_code", note="%(note)s")
    # A quoted table name and a fixed expression; every value is a parameter.
    return f"SELECT id AS target_id, {details} AS details FROM {table} WHERE id IN %(ids)s ORDER BY id"  # noqa: S608


def test_events_chosen_in_sql_are_those_record_writes_one_by_one(
    settlement_a, settlement_b, specialist_a, in_a_request, django_assert_num_queries
):
    ids = sorted([settlement_a.pk, settlement_b.pk])
    for settlement in Settlement.objects.filter(pk__in=ids).order_by("pk"):
        record(
            action="settlement.viewed",
            target=settlement,
            actor=specialist_a,
            details={"kato": settlement.kato_code, "note": "seen"},
            at=AT,
        )

    with django_assert_num_queries(1):
        count = record_select(
            action="settlement.viewed",
            model=Settlement,
            select=settlements_sql(),
            params={"ids": tuple(ids), "note": "seen"},
            actor=specialist_a,
            at=AT,
        )

    stored = list(AuditEvent.objects.order_by("pk").values_list(*FIELDS))
    one_by_one, chosen_in_sql = stored[:2], stored[2:]
    assert count == 2
    assert chosen_in_sql == one_by_one
    assert one_by_one[0][1:3] == (specialist_a.pk, "specialist")
    assert one_by_one[0][-2:] == ("10.1.2.3", "req-42")


def test_the_system_acting_and_the_trail_append_only(settlement_a):
    assert (
        record_select(
            action="benefit.expired",
            model=Settlement,
            select=settlements_sql(),
            params={"ids": (settlement_a.pk,), "note": ""},
        )
        == 1
    )
    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_role, event.target_id) == (None, "system", str(settlement_a.pk))
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
