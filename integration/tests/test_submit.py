"""``POST /api/v1/applications/``: who may submit, idempotent retries, positions (issue 5, item 2)."""

import datetime

import pytest

from accounts.forms import CONSENT_VERSION
from applications.choices import Channel
from applications.models import Application
from core import clock
from queues.selectors import positions_of_application

from .conftest import in_register, new_key, submission, submit


def test_a_service_centre_submits_and_gets_the_number_and_positions(gov_corp_client, settlement_a):
    response = submit(gov_corp_client, settlement_a)
    assert response.status_code == 201, response.json()
    body = response.json()
    application = Application.objects.get(number=body["number"])
    assert application.channel == Channel.GOV_CORP
    assert application.registered_by.api_token.organisation.name == "Service centre"
    assert application.benefit_documents.count() == 1
    [position] = positions_of_application(application.pk)
    assert body["positions"] == [
        {
            "kind": "general",
            "birth_year": 2022,
            "settlement": settlement_a.kato_code,
            "position": position.standing.position,
            "total": 1,
            "benefit_class": "general",
        }
    ]


def test_the_time_of_receipt_decides_the_submission_time(gov_corp_client, settlement_a):
    received = (clock.now() - datetime.timedelta(hours=5)).replace(microsecond=0)
    response = submit(gov_corp_client, settlement_a, received_at=received.isoformat())
    assert datetime.datetime.fromisoformat(response.json()["submitted_at"]) == received


def test_a_department_submits_for_its_own_settlement(department_client, settlement_a):
    response = submit(department_client, settlement_a)
    assert response.status_code == 201
    assert Application.objects.get().channel == Channel.EDUCATION_DEPARTMENT


def test_a_department_may_not_submit_for_another_district(department_client, settlement_b):
    response = submit(department_client, settlement_b)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "out_of_scope"
    assert not Application.objects.exists()


def test_a_call_centre_token_may_not_submit(call_centre_client, settlement_a):
    response = submit(call_centre_client, settlement_a)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Application.objects.exists()


def test_a_retry_with_the_same_key_returns_the_first_response_and_creates_one(gov_corp_client, settlement_a):
    body = in_register(submission(settlement_a))
    first = gov_corp_client.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = gov_corp_client.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1


def test_the_same_key_with_another_body_is_409(gov_corp_client, settlement_a):
    assert submit(gov_corp_client, settlement_a, key="k-2").status_code == 201
    response = submit(gov_corp_client, settlement_a, key="k-2", language="ru")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Application.objects.count() == 1


def test_the_idempotency_key_is_required(gov_corp_client, settlement_a):
    response = gov_corp_client.post("/api/v1/applications/", submission(settlement_a), format="json")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]


def test_validation_errors_name_the_field(gov_corp_client, settlement_a):
    body = in_register(submission(settlement_a))
    body["child"]["sex"] = "unknown"
    response = gov_corp_client.post(
        "/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY=new_key()
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "sex" in response.json()["error"]["fields"]["child"]


def test_an_unknown_settlement_is_a_field_error(gov_corp_client, settlement_a):
    response = submit(gov_corp_client, settlement_a, settlement="999999999")
    assert response.status_code == 400
    assert "settlement" in response.json()["error"]["fields"]


def test_a_time_of_receipt_in_the_future_is_refused(gov_corp_client, settlement_a):
    future = clock.now() + datetime.timedelta(hours=1)
    response = submit(gov_corp_client, settlement_a, received_at=future.isoformat())
    assert response.status_code == 400
    assert "received_at" in response.json()["error"]["fields"]


@pytest.mark.parametrize("method", ["put", "patch", "delete", "get"])
def test_no_method_changes_an_application(gov_corp_client, settlement_a, method):
    assert getattr(gov_corp_client, method)("/api/v1/applications/", {}, format="json").status_code == 405


def test_a_submission_without_the_consent_version_registers_nothing(gov_corp_client, settlement_a):
    body = in_register(submission(settlement_a))
    del body["consent_version"]

    response = gov_corp_client.post(
        "/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY=new_key()
    )

    assert response.status_code == 400
    assert "consent_version" in response.json()["error"]["fields"]
    assert not Application.objects.exists()


def test_a_submission_records_the_consent_the_service_centre_collected(gov_corp_client, settlement_a):
    response = submit(gov_corp_client, settlement_a)

    assert response.status_code == 201
    applicant = Application.objects.get().applicant
    assert applicant.consent_version == CONSENT_VERSION
    assert applicant.consented_at == Application.objects.get().submitted_at
