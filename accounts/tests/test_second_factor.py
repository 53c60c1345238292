"""Staff sign in with a password and then a code from an authenticator app (docs/security.md).

These tests sign in through the admin's password form, so the session has
given the password only until the code step; ``force_login`` (conftest.py)
stands for both steps at once.
"""

import base64
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import START, code_of, totp_device, wrong
from audit.models import AuditEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.clock(START),
    pytest.mark.usefixtures("english_pages", "clock"),
]

PASSWORD = "a-long-test-password"  # accounts.tests.factories.UserFactory
SECOND_FACTOR = "/admin/second-factor/"


def sign_in_with_password(client, user, next_path="/admin/"):
    response = client.post(
        f"/admin/login/?next={next_path}",
        {"username": user.username, "password": PASSWORD, "next": next_path},
    )
    assert response.status_code == 302, "the password was refused"
    return response


def enter_code(client, code, next_path="/admin/"):
    return client.post(SECOND_FACTOR, {"code": code, "next": next_path})


@pytest.fixture
def kindergarten_worker(kindergarten_a):
    user = UserFactory(username="nursery", role=Role.KINDERGARTEN, is_staff=True)
    user.kindergartens.add(kindergarten_a)
    return user


# --- A password alone opens nothing staff-only ---------------------------------------------


def test_the_password_leads_to_the_code_step_not_into_the_admin(client, specialist_a):
    response = sign_in_with_password(client, specialist_a)
    assert response.url == f"{SECOND_FACTOR}?next=%2Fadmin%2F"
    refused = client.get("/admin/applications/application/", follow=True)
    assert refused.redirect_chain[-1][0].startswith(SECOND_FACTOR)
    assert "Add Kezek to your authenticator app" in refused.content.decode()


def test_a_password_only_session_does_not_open_the_call_centre_desk(client, call_centre_operator):
    sign_in_with_password(client, call_centre_operator, "/desk/")
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response.url == f"{SECOND_FACTOR}?next=/desk/"


def test_a_password_only_session_does_not_open_the_kindergarten_desk(client, kindergarten_worker):
    sign_in_with_password(client, kindergarten_worker, "/kindergarten/")
    response = client.get("/kindergarten/")
    assert response.status_code == 302
    assert response.url == f"{SECOND_FACTOR}?next=/kindergarten/"


def test_a_password_only_session_is_refused_by_the_api(client, specialist_a, settlement_a):
    sign_in_with_password(client, specialist_a)
    response = client.get(f"/api/v1/queues/{settlement_a.kato_code}/2022/general/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert "authenticator app" in response.json()["error"]["message"]


# --- Enrolment and the code ------------------------------------------------------------------


def test_staff_without_an_app_enrol_with_the_qr_code_and_the_secret_shown(client, specialist_a):
    sign_in_with_password(client, specialist_a)
    page = client.get(f"{SECOND_FACTOR}?next=/admin/").content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    secret = re.search(r'<code class="second-factor-secret">([A-Z2-7 ]+)</code>', page).group(1)
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))

    response = enter_code(client, f"{totp(key):06d}")

    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.get(user=specialist_a).confirmed
    assert AuditEvent.objects.filter(action="second_factor.enrolled", actor=specialist_a).exists()


def test_the_enrolment_page_renders_in_kazakh_and_russian(client, specialist_a, settings):
    settings.LANGUAGES = [("kk", "Қазақша"), ("ru", "Русский")]
    settings.LANGUAGE_CODE = "kk"
    sign_in_with_password(client, specialist_a)
    for language in ("kk", "ru"):
        page = client.get(SECOND_FACTOR, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert f'lang="{language}"' in page
        assert "second-factor-secret" in page


def test_an_enrolled_staff_member_signs_in_with_the_apps_code(client, specialist_a):
    device = totp_device(specialist_a)
    sign_in_with_password(client, specialist_a)
    page = client.get(SECOND_FACTOR).content.decode()
    assert "second-factor-secret" not in page, "an enrolled device's key is never shown again"

    assert enter_code(client, code_of(device)).url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_and_counted_toward_the_lockout(client, specialist_a):
    device = totp_device(specialist_a)
    sign_in_with_password(client, specialist_a)

    response = enter_code(client, wrong(code_of(device)))

    assert response.status_code == 200
    assert "Wrong code" in response.content.decode()
    assert client.get("/admin/").status_code == 302
    attempt = AccessAttempt.objects.get(username=specialist_a.username)
    assert attempt.failures_since_start == 1
    failed = AuditEvent.objects.get(action="sign_in.failed")
    assert failed.details["step"] == "second_factor"


def test_a_code_is_accepted_only_once(client, specialist_a):
    device = totp_device(specialist_a)
    code = code_of(device)
    sign_in_with_password(client, specialist_a)
    assert enter_code(client, code).status_code == 302

    thief = Client()
    sign_in_with_password(thief, specialist_a)
    response = enter_code(thief, code)

    assert response.status_code == 200
    assert thief.get("/admin/").status_code == 302


def test_wrong_codes_and_wrong_passwords_lock_the_account_together(client, specialist_a):
    device = totp_device(specialist_a)
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/admin/login/", {"username": specialist_a.username, "password": "not-the-password"})
    sign_in_with_password(client, specialist_a)

    locked = enter_code(client, wrong(code_of(device)))

    assert locked.status_code == 429
    assert client.get("/admin/").url == "/admin/login/?next=/admin/", "the half-signed-in session is ended"
    again = client.post("/admin/login/", {"username": specialist_a.username, "password": PASSWORD})
    assert again.status_code == 429


def test_a_parent_is_never_asked_for_a_second_factor(parent_client):
    assert parent_client.get("/cabinet/").status_code == 200
    assert parent_client.get(SECOND_FACTOR).status_code == 403


# --- Recovery: a superuser resets another staff member's device ------------------------------


def reset(client, user):
    return client.post(
        "/admin/accounts/user/", {"action": "reset_second_factor", "_selected_action": [user.pk]}, follow=True
    )


def test_a_superuser_resets_a_lost_phone_and_the_staff_member_enrols_again(client, superuser, specialist_a):
    totp_device(specialist_a)
    their_browser = Client()
    their_browser.force_login(specialist_a)
    client.force_login(superuser)

    response = reset(client, specialist_a)

    assert "second factor reset" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=specialist_a).exists()
    assert their_browser.get("/admin/").status_code == 302
    event = AuditEvent.objects.get(action="second_factor.reset")
    assert (event.actor, event.target_id) == (superuser, str(specialist_a.pk))
    sign_in_with_password(their_browser, specialist_a)
    assert "second-factor-secret" in their_browser.get(SECOND_FACTOR).content.decode()


def test_nobody_resets_their_own_second_factor(client, superuser):
    client.force_login(superuser)
    response = reset(client, superuser)
    assert "cannot reset your own second factor" in response.content.decode()
    assert TOTPDevice.objects.filter(user=superuser).exists()
    assert not AuditEvent.objects.filter(action="second_factor.reset").exists()


def test_a_national_administrator_cannot_reset_devices(client, specialist_a):
    administrator = UserFactory(role=Role.ADMINISTRATOR, is_staff=True)
    totp_device(specialist_a)
    client.force_login(administrator)
    reset(client, specialist_a)
    assert TOTPDevice.objects.filter(user=specialist_a).exists()


def test_no_admin_page_shows_an_authenticator_key():
    assert not admin.site.is_registered(TOTPDevice)
