"""Staff signed in to the site may call the API with their session (issue 5, item 1)."""

import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from applications.tests.factories import submit as submit_application
from audit.models import AuditEvent


def queue_url(settlement):
    return f"/api/v1/queues/{settlement.kato_code}/2022/general/"


def signed_in(user, *, csrf=False) -> APIClient:
    client = APIClient(enforce_csrf_checks=csrf, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def with_csrf_token(client) -> str:
    """A CSRF cookie from a page of the site, as a browser would hold one."""
    from django.middleware.csrf import _get_new_csrf_string

    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    return token


def test_a_specialist_reads_their_districts_queue_and_not_anothers(specialist_a, settlement_a, settlement_b):
    submit_application(settlement_a)
    submit_application(settlement_b)
    client = signed_in(specialist_a)
    response = client.get(queue_url(settlement_a))
    assert response.status_code == 200
    assert response.json()["totals"]["total"] == 1
    assert client.get(queue_url(settlement_b)).status_code == 404


def test_a_specialist_may_not_submit_with_a_session(specialist_a, settlement_a):
    response = signed_in(specialist_a).post(
        "/api/v1/applications/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 403


def test_an_operator_looks_up_with_the_csrf_token_and_is_the_audited_actor(
    call_centre_operator, settlement_b
):
    application = submit_application(settlement_b)
    client = signed_in(call_centre_operator, csrf=True)
    body = {"number": application.number, "reason": "parent called"}
    refused = client.post("/api/v1/lookup/", body, format="json")
    assert refused.status_code == 403
    assert not AuditEvent.objects.filter(action="application.looked_up").exists()
    token = with_csrf_token(client)
    response = client.post("/api/v1/lookup/", body, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json()["number"] == application.number
    event = AuditEvent.objects.get(action="application.looked_up")
    assert event.actor == call_centre_operator
    assert event.target_id == str(application.pk)
    assert event.details == {"reason": "parent called", "channel": "api_session", "by": "number"}


def test_a_superuser_reads_any_queue(superuser, settlement_b):
    submit_application(settlement_b)
    assert signed_in(superuser).get(queue_url(settlement_b)).status_code == 200


@pytest.mark.parametrize("role", [Role.PARENT, Role.KINDERGARTEN])
def test_parents_and_kindergarten_staff_are_refused(role, settlement_a):
    user = UserFactory(role=role)
    client = signed_in(user)
    assert client.get(queue_url(settlement_a)).status_code == 403
    assert client.post("/api/v1/lookup/", {"number": "1", "reason": "x"}, format="json").status_code == 403


def test_an_inactive_user_is_not_signed_in(call_centre_operator, settlement_a):
    client = signed_in(call_centre_operator)
    call_centre_operator.is_active = False
    call_centre_operator.save()
    assert client.get(queue_url(settlement_a)).status_code in (401, 403)


def test_anonymous_gets_401_with_the_bearer_challenge(settlement_a):
    response = APIClient().get(queue_url(settlement_a))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
