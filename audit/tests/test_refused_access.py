"""Refused access is recorded once: every 403, and a staff member's 404 for a record out of their scope."""

import pytest
from django.test import Client
from django.urls import reverse

from applications.tests.factories import submit
from audit.models import AuditEvent
from bulletins.tests.factories import parent_of
from integration.choices import OrganisationKind, TokenRole
from integration.models import Organisation
from integration.services import issue_token

pytestmark = pytest.mark.usefixtures("english_pages")


def refusals():
    return AuditEvent.objects.filter(action="access.refused")


def test_a_forbidden_page_is_recorded_with_path_and_method_but_no_query_string(client, call_centre_operator):
    client.force_login(call_centre_operator)
    url = reverse("admin:audit_auditevent_changelist")

    response = client.get(url, {"q": "210315600016"})

    assert response.status_code == 403
    event = refusals().get()
    assert event.actor == call_centre_operator
    assert event.actor_role == "call_centre"
    assert event.details == {"path": url, "method": "GET", "status": 403}
    assert event.request_id == response["X-Request-ID"]
    assert "210315600016" not in str(event.details)


def test_a_specialist_opening_another_districts_application_is_recorded(client, specialist_a, settlement_b):
    application = submit(settlement_b)
    client.force_login(specialist_a)
    url = reverse("admin:applications_application_change", args=[application.pk])

    response = client.get(url)

    assert response.status_code == 404
    event = refusals().get()
    assert event.actor == specialist_a
    assert event.details == {"path": url, "method": "GET", "status": 404}


def test_a_staff_members_mistyped_address_is_not_a_refusal(client, specialist_a):
    client.force_login(specialist_a)

    assert client.get("/no-such-page/").status_code == 404
    assert not refusals().exists()


def test_a_parents_404_is_not_a_refusal(client, settlement_a):
    application = submit(settlement_a)
    client.force_login(parent_of(application))

    response = client.get(reverse("applications:detail", args=["0000000000"]))

    assert response.status_code == 404
    assert not refusals().exists()


def test_a_systems_look_up_outside_its_reach_is_recorded_with_its_service_user(db):
    organisation = Organisation.objects.create(name="Service centre", kind=OrganisationKind.SERVICE_CENTRE)
    token, secret = issue_token(organisation=organisation, role=TokenRole.GOV_CORP, name="CON")

    response = Client().post(
        "/api/v1/lookup/?iin=210315600016",
        {"iin": "210315600016", "reason": "a call"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert response.status_code == 404
    event = refusals().get()
    assert event.actor == token.service_user
    assert event.details == {"path": "/api/v1/lookup/", "method": "POST", "status": 404}


def test_an_anonymous_refusal_is_recorded_without_an_actor(db):
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x", "password": "y"})

    assert response.status_code == 403
    event = refusals().get()
    assert event.actor is None
    assert event.actor_role == ""
    assert event.target_type == ""
