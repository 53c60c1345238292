"""``record_many``: many events of one action in one insert, each as ``record`` would write it."""

import datetime

import pytest

from audit import context
from audit.models import AuditEvent, AuditTrailIsAppendOnly
from audit.services import record_many, record_rows

AT = datetime.datetime(2026, 12, 14, 5, tzinfo=datetime.UTC)


@pytest.fixture
def in_a_request():
    token = context.bind(context.RequestContext(ip_address="10.1.2.3", request_id="req-42"))
    yield
    context.unbind(token)


def test_each_target_gets_its_own_event_from_one_insert(
    settlement_a, settlement_b, specialist_a, in_a_request, django_assert_num_queries
):
    with django_assert_num_queries(1):
        events = record_many(
            action="settlement.viewed",
            events=[(settlement_a, {"n": 1}), (settlement_b, {"n": 2})],
            actor=specialist_a,
            at=AT,
        )

    stored = AuditEvent.objects.filter(pk__in=[event.pk for event in events]).order_by("pk")
    assert [(e.target_type, e.target_id, e.details) for e in stored] == [
        ("directory.settlement", str(settlement_a.pk), {"n": 1}),
        ("directory.settlement", str(settlement_b.pk), {"n": 2}),
    ]
    for event in stored:
        assert (event.action, event.at, event.actor, event.actor_role) == (
            "settlement.viewed",
            AT,
            specialist_a,
            "specialist",
        )
        assert (event.ip_address, event.request_id) == ("10.1.2.3", "req-42")


def test_the_system_acting_and_nothing_to_record(settlement_a):
    assert record_many(action="benefit.expired", events=[]) == []
    (event,) = record_many(action="benefit.expired", events=[(settlement_a, {})])
    assert (event.actor, event.actor_role) == (None, "system")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")


def test_rows_by_primary_key_are_recorded_as_record_many_records_them(
    settlement_a, settlement_b, specialist_a, in_a_request
):
    events = [(settlement_a, {"n": 1, "at": "x"}), (settlement_b, {"n": 2})]
    record_many(action="settlement.viewed", events=events, actor=specialist_a, at=AT)

    count = record_rows(
        action="settlement.viewed",
        model=type(settlement_a),
        events=[(target.pk, details) for target, details in events],
        actor=specialist_a,
        at=AT,
    )

    fields = (
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
    stored = list(AuditEvent.objects.order_by("pk").values_list(*fields))
    assert count == 2
    assert stored[2:] == stored[:2]
