"""Sign-ins in the audit trail, staff and parents alike: who, when, from where; never a whole IIN."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.tests.factories import ApplicantFactory, UserFactory
from accounts.tests.helpers import START, code_sent_to, wrong
from audit.models import AuditEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.clock(START),
    pytest.mark.usefixtures("english_pages", "clock"),
]

ADMIN_LOGIN = reverse("admin:login")
PASSWORD = "a-long-test-password"  # accounts.tests.factories.UserFactory


def sign_in_as_staff(client, username, password):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password}, REMOTE_ADDR="198.51.100.4")


def test_a_staff_sign_in_is_recorded_with_user_role_address_and_request(client, specialist_a):
    response = sign_in_as_staff(client, "specialist_a", PASSWORD)

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="sign_in.succeeded")
    assert (event.actor, event.actor_role) == (specialist_a, "specialist")
    assert (event.target_type, event.target_id) == ("accounts.user", str(specialist_a.pk))
    assert event.ip_address == "198.51.100.4"
    assert event.request_id == response["X-Request-ID"]
    assert event.at is not None


def test_a_wrong_staff_password_is_recorded_against_the_user(client, specialist_a):
    sign_in_as_staff(client, "specialist_a", "not-the-password")

    event = AuditEvent.objects.get(action="sign_in.failed")
    assert event.actor is None
    assert event.target_id == str(specialist_a.pk)
    assert event.details == {"username": "specialist_a", "step": "password", "locked": False}
    assert event.ip_address == "198.51.100.4"


def test_an_iin_typed_as_a_username_is_kept_masked(client, db):
    sign_in_as_staff(client, "210315600016", "whatever-it-is")

    event = AuditEvent.objects.get(action="sign_in.failed")
    assert event.details["username"] == "210315******"
    assert event.target_type == ""
    assert "210315600016" not in str(event.details)


def test_the_lockout_is_recorded_and_later_tries_are_marked_locked(client, specialist_a):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in_as_staff(client, "specialist_a", "not-the-password")
    locked = AuditEvent.objects.filter(action="sign_in.locked_out", target_id=str(specialist_a.pk))
    assert locked.count() == 1

    sign_in_as_staff(client, "specialist_a", PASSWORD)

    last = AuditEvent.objects.filter(action="sign_in.failed").order_by("-id").first()
    assert last.details["locked"] is True
    assert not AuditEvent.objects.filter(action="sign_in.succeeded").exists()


def test_a_parents_sign_in_is_recorded_once_with_the_iin_masked(client, sending):
    applicant = ApplicantFactory(user=UserFactory())
    with sending():
        client.post(reverse("accounts:sign_in"), {"iin": applicant.iin, "phone": applicant.phone})
    client.post(reverse("accounts:sign_in_code"), {"code": wrong(code_sent_to(applicant.phone))})
    response = client.post(reverse("accounts:sign_in_code"), {"code": code_sent_to(applicant.phone)})

    assert response.status_code == 302
    succeeded = AuditEvent.objects.get(action="sign_in.succeeded")
    assert succeeded.target_type == "accounts.applicant"
    assert succeeded.details["iin"] == applicant.iin[:6] + "******"
    failed = AuditEvent.objects.get(action="one_time_code.check_failed")
    assert failed.details["reason"] == "wrong"
    assert not AuditEvent.objects.filter(action="sign_in.failed").exists()
    assert [event.action for event in AuditEvent.objects.order_by("id")][:1] == ["one_time_code.sent"]
