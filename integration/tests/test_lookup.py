"""``POST /api/v1/lookup/``: the answer a caller needs, in scope, and every look-up audited (item 3)."""

import pytest
from django.utils import translation

from applications.age import ages_out_on
from applications.tests.factories import submit as submit_application
from audit.models import AuditEvent
from core import clock
from queues.choices import LeaveReason
from queues.explanation import explain
from queues.selectors import positions_of_application
from queues.services import leave_queues
from queues.tests.factories import record_places_given

from .conftest import submit


@pytest.fixture
def application_a(settlement_a):
    return submit_application(settlement_a)


@pytest.fixture
def application_b(settlement_b):
    return submit_application(settlement_b)


def look_up(client, **body):
    return client.post("/api/v1/lookup/", {"reason": "parent called", **body}, format="json")


def test_the_call_centre_looks_up_by_iin_country_wide(call_centre_client, application_a, application_b):
    response = look_up(call_centre_client, iin=application_b.child.iin)
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == application_b.number
    assert body["status"] == "in_queue"
    [position] = positions_of_application(application_b.pk)
    [queue] = body["queues"]
    assert queue["position"] == position.standing.position
    with translation.override("en"):
        assert queue["explanation"] == explain(position.standing)
    assert body["referral"] is None
    assert body["open_accesses"] == []
    assert "iin" not in str(body).lower()


def test_a_look_up_is_audited_with_the_organisation_and_reason(call_centre_client, application_a):
    look_up(call_centre_client, number=application_a.number, reason="mother asked about position")
    event = AuditEvent.objects.get(action="application.looked_up")
    assert event.target_id == str(application_a.pk)
    assert event.details["reason"] == "mother asked about position"
    assert event.details["organisation_name"] == "Call centre 1414"
    assert event.actor.api_token.organisation.name == "Call centre 1414"


def test_a_look_up_that_finds_nothing_is_audited_too(call_centre_client, db):
    response = look_up(call_centre_client, number="0000000000")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="application.lookup_not_found").count() == 1


def test_the_reason_is_required(call_centre_client, application_a):
    response = call_centre_client.post("/api/v1/lookup/", {"number": application_a.number}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    assert not AuditEvent.objects.filter(action="application.looked_up").exists()


def test_a_department_sees_its_own_district(department_client, application_a):
    assert look_up(department_client, number=application_a.number).status_code == 200


def test_a_department_gets_404_for_another_district(department_client, application_b):
    response = look_up(department_client, iin=application_b.child.iin)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert look_up(department_client, number=application_b.number).status_code == 404


def test_a_service_centre_looks_up_what_it_submitted_only(gov_corp_client, settlement_a, application_b):
    number = submit(gov_corp_client, settlement_a).json()["number"]
    assert look_up(gov_corp_client, number=number).status_code == 200
    assert look_up(gov_corp_client, number=application_b.number).status_code == 404


def test_an_iin_in_the_url_is_not_a_look_up(call_centre_client, application_a):
    response = call_centre_client.get(f"/api/v1/lookup/?iin={application_a.child.iin}")
    assert response.status_code == 405


def test_the_look_up_says_how_the_position_moved_and_why(call_centre_client, settlement_a):
    ahead = [submit_application(settlement_a) for _ in range(2)]
    application = submit_application(settlement_a)
    leave_queues(application_id=ahead[0].pk, reason=LeaveReason.WITHDRAWN, now=clock.now())

    [queue] = look_up(call_centre_client, number=application.number).json()["queues"]

    [today] = queue["history"]["days"]
    assert (today["position_before"], today["position_after"]) == (None, 2)
    assert today["changes"] == [
        "Your application joined the queue at position 3.",
        "1 application ahead of you was withdrawn.",
    ]
    assert queue["history"]["last_30_days"]["closer"] == 1
    assert queue["history"]["more_days"] == 0
    assert queue["history"]["complete"] is True


def test_the_look_up_gives_the_wait_estimate_in_the_shape_of_the_schema(call_centre_client, settlement_a):
    for _ in range(9):
        submit_application(settlement_a)
    application = submit_application(settlement_a)
    [position] = positions_of_application(application.pk)
    record_places_given(position.entry.queue_id, per_month=5, now=clock.now())

    [queue] = look_up(call_centre_client, number=application.number).json()["queues"]

    found = queue["estimate"]
    assert found["enough_history"] is True
    assert found["places_given"] == 60
    assert 1 <= found["low_months"] < found["high_months"] <= 4  # tenth, five places a month: the second
    assert found["ages_out_on"] == ages_out_on(application.child.birth_date, clock.now().date()).isoformat()
    assert found["past_ageing_out"] is False
    assert found["warning"] == ""
    assert found["summary"].startswith("Based on 60 places given in this queue over the last 12 months")


def test_the_look_up_says_when_there_is_not_enough_history(call_centre_client, application_a):
    [queue] = look_up(call_centre_client, number=application_a.number).json()["queues"]
    assert queue["estimate"]["enough_history"] is False
    assert queue["estimate"]["low_months"] is None
    assert (
        queue["estimate"]["summary"]
        == "Not enough history in this queue yet to estimate when access may open."
    )
