"""Lifting a sign-in lockout keeps every record and is audited (issue 15, item 2)."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from accounts import services
from accounts.tests.factories import ApplicantFactory
from accounts.tests.helpers import START, code_sent_to, wrong
from audit.models import AuditEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.clock(START),
    pytest.mark.usefixtures("english_pages", "clock"),
]

SIGN_IN = reverse("accounts:sign_in")
CODE = reverse("accounts:sign_in_code")
ATTEMPTS = reverse("admin:axes_accessattempt_changelist")


@pytest.fixture
def locked_out(client, sending, clock):
    """A parent whose IIN took ten wrong codes: locked for an hour."""
    applicant = ApplicantFactory()
    for _code in range(2):
        with sending():
            client.post(SIGN_IN, {"iin": applicant.iin, "phone": applicant.phone})
        code = code_sent_to(applicant.phone)
        for _entry in range(5):
            response = client.post(CODE, {"code": wrong(code)})
        clock.shift(61)
    assert response.status_code == 429
    return applicant


def sign_in(client, sending, applicant):
    with sending():
        client.post(SIGN_IN, {"iin": applicant.iin, "phone": applicant.phone})
    return client.post(CODE, {"code": code_sent_to(applicant.phone)})


def test_a_superuser_lifts_a_lockout_the_records_stay_and_the_parent_signs_in(
    client, locked_out, superuser, sending
):
    rows_before = list(AccessAttempt.objects.values_list("pk", "ip_address", "username"))
    admin_client = type(client)()
    admin_client.force_login(superuser)

    response = admin_client.post(
        ATTEMPTS,
        {"action": "lift_lockout", "_selected_action": [pk for pk, *_rest in rows_before]},
        follow=True,
    )

    assert "Lockout lifted on 1 record; it is kept." in response.text
    assert list(AccessAttempt.objects.values_list("pk", "ip_address", "username")) == rows_before
    assert list(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == [0]
    event = AuditEvent.objects.get(action="sign_in.lockout_lifted")
    assert event.actor == superuser
    assert event.details["failures"] == 10
    assert event.details["username"] == locked_out.iin[:6] + "******"
    assert sign_in(client, sending, locked_out).status_code == 302


def test_only_a_superuser_may_lift_a_lockout(client, locked_out, specialist_a):
    with pytest.raises(services.LiftRefused):
        services.lift_lockout(attempts=AccessAttempt.objects.all(), actor=specialist_a)

    client.force_login(specialist_a)
    assert client.get(ATTEMPTS).status_code == 403
    assert AccessAttempt.objects.get().failures_since_start == 10
    assert not AuditEvent.objects.filter(action="sign_in.lockout_lifted").exists()


def test_axes_records_are_read_only_in_the_admin(client, locked_out, superuser):
    client.force_login(superuser)
    attempt = AccessAttempt.objects.get()

    page = client.get(reverse("admin:axes_accessattempt_change", args=[attempt.pk]))

    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert 'value="cleanup_expired_attempts"' not in client.get(ATTEMPTS).text
