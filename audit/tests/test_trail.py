"""The audit trail is append-only: at the model, the queryset and the database."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent, AuditTrailIsAppendOnly
from audit.services import record


@pytest.fixture
def event(settlement_a, specialist_a):
    return record(action="settlement.viewed", target=settlement_a, actor=specialist_a, details={"n": 1})


def test_an_event_names_who_did_what_to_which_record(event, settlement_a, specialist_a):
    assert event.actor == specialist_a
    assert event.actor_role == "specialist"
    assert (event.target_type, event.target_id) == ("directory.settlement", str(settlement_a.pk))


def test_the_system_acts_without_a_user(settlement_a):
    event = record(action="benefit.expired", target=settlement_a)
    assert event.actor is None
    assert event.actor_role == "system"


def test_an_event_cannot_be_changed_or_deleted_through_the_model(event):
    event.action = "something.else"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditevent SET action = 'forged'", "DELETE FROM audit_auditevent"],
)
def test_the_database_refuses_raw_updates_and_deletes(event, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(statement)
    assert AuditEvent.objects.get(pk=event.pk).action == "settlement.viewed"
