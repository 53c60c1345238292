"""Logs carry no IIN, phone, code, token or session id, whichever code writes them (docs/security.md)."""

import logging

import pytest
from django.urls import reverse

from accounts.tests.factories import ApplicantFactory, UserFactory
from accounts.tests.helpers import code_sent_to
from core.logging import mask
from core.tests.logs import settings_log_output
from integration.choices import OrganisationKind, TokenRole
from integration.models import Organisation
from integration.services import issue_token


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("IIN 210315600016 refused", "IIN 210315****** refused"),
        ("Key (iin)=(210315600016) already exists.", "Key (iin)=(210315******) already exists."),
        ("SMS to +77011234567 failed", "SMS to +7******4567 failed"),
        ("Kezek: your sign-in code is 482913.", "Kezek: your sign-in code is ******."),
        ("Authorization: Bearer kz_AbC123-xyz.987", "Authorization: Bearer [hidden]"),
        ("Cookie: sessionid=abc123def; csrftoken=zz9", "Cookie: sessionid=[hidden]; csrftoken=[hidden]"),
        ("__Host-session=q1w2e3r4", "__Host-session=[hidden]"),
        ("request 1a2b3c4d5e6f40718293a4b5c6d7e8f9 done", "request 1a2b3c4d5e6f40718293a4b5c6d7e8f9 done"),
        ("queue 482913 of 2022", "queue 482913 of 2022"),
    ],
)
def test_masking(text, masked):
    assert mask(text) == masked


@pytest.fixture
def log_output(caplog):
    """Lines as the settings' handler writes them, with every logger at DEBUG."""
    caplog.set_level(logging.DEBUG)
    with settings_log_output() as stream:
        yield stream


@pytest.mark.django_db
def test_a_sign_in_an_api_call_and_a_failure_leave_no_secret_in_the_logs(
    client, log_output, caplog, django_capture_on_commit_callbacks, settings
):
    applicant = ApplicantFactory(user=UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:sign_in"), {"iin": applicant.iin, "phone": applicant.phone})
    code = code_sent_to(applicant.phone)
    client.post(reverse("accounts:sign_in_code"), {"code": code})
    session_id = client.cookies[settings.SESSION_COOKIE_NAME].value
    logging.getLogger("kezek.test").warning("sign-in code %s: %s, %s", code, applicant.iin, applicant.phone)

    organisation = Organisation.objects.create(name="Call centre", kind=OrganisationKind.CALL_CENTRE)
    _token, secret = issue_token(organisation=organisation, role=TokenRole.CALL_CENTRE, name="Desk")
    client.post(
        "/api/v1/lookup/",
        {"iin": applicant.iin, "reason": "a call"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    client.post(
        "/api/v1/lookup/",
        {"iin": applicant.iin, "reason": "a call"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}x",
    )
    client.get(f"/admin/accounts/applicant/{applicant.pk}/change/")

    written = log_output.getvalue()
    assert "Unauthorized: /api/v1/lookup/" in written  # the failed request was logged
    assert applicant.iin[:6] + "******" in written
    for secret_text in (applicant.iin, code, secret, session_id, applicant.phone):
        assert secret_text not in written
        assert secret_text not in caplog.text
