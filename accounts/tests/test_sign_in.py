"""Signing in with an IIN and a code by SMS, as a parent does it in the browser (RULES.md section 7)."""

import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from accounts.choices import Role
from accounts.forms import CONSENT_VERSION
from accounts.models import Applicant, OneTimeCode
from accounts.tests.factories import ApplicantFactory, UserFactory
from accounts.tests.helpers import START, code_sent_to, wrong
from audit.models import AuditEvent
from core import outbox

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.clock(START),
    pytest.mark.usefixtures("english_pages", "clock"),
]

SIGN_IN = reverse("accounts:sign_in")
CODE = reverse("accounts:sign_in_code")
REGISTER = reverse("accounts:register")
SIGN_OUT = reverse("accounts:sign_out")


def cabinet_url() -> str:
    """Where a parent lands after signing in: the cabinet once the portal has it, the home page until then."""
    try:
        resolve("/cabinet/")
    except Resolver404:
        return reverse("home")
    return "/cabinet/"


@pytest.fixture
def ask_code(sending):
    def ask(client, iin, phone, next_url=""):
        with sending():
            return client.post(SIGN_IN, {"iin": iin, "phone": phone, "next": next_url})

    return ask


def session_key(client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else None


def signed_in_user(client):
    """The user a request with this client's cookies is signed in as (anonymous if none)."""
    return client.get(SIGN_IN).wsgi_request.user


def without_csrf(html: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.decode())


# --- The pages -------------------------------------------------------------------


def test_the_sign_in_page_says_the_service_is_free_and_staff_never_ask_for_the_code(client):
    response = client.get(SIGN_IN)

    assert response.status_code == 200
    assert "The service is free." in response.content.decode()
    assert "never ask for your code" in response.content.decode()
    assert '<label for="id_iin">' in response.content.decode()
    assert '<label for="id_phone">' in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_code_field_is_labelled_numeric_and_fills_from_the_sms(client, ask_code, new_iin, new_phone):
    ask_code(client, new_iin(), new_phone())

    page = client.get(CODE).content.decode()

    field = re.search(r"<input[^>]*name=\"code\"[^>]*>", page).group(0)
    assert 'inputmode="numeric"' in field
    assert 'autocomplete="one-time-code"' in field
    assert '<label for="id_code">' in page
    assert "style=" not in page
    assert "<script" not in page


def test_errors_stand_next_to_the_field_and_are_announced(client):
    page = client.post(SIGN_IN, {"iin": "210315600016", "phone": "12"}).content.decode()

    assert re.search(r'id="id_iin_errors" role="alert">\s*<p>This IIN does not exist', page)
    assert 'aria-describedby="id_iin_helptext id_iin_errors"' in page
    assert 'aria-invalid="true"' in page


def test_the_code_and_registration_pages_send_a_visitor_without_a_code_back_to_sign_in(client):
    for page in (CODE, REGISTER):
        response = client.get(page)
        assert response.status_code == 302
        assert response.url == SIGN_IN


def test_registration_waits_no_longer_than_15_minutes_after_the_code(
    client, ask_code, new_iin, new_phone, clock
):
    iin, phone = new_iin(), new_phone()
    ask_code(client, iin, phone)
    client.post(CODE, {"code": code_sent_to(phone)})
    clock.shift(15 * 60 + 1)

    response = client.post(REGISTER, {"surname": "Омарова", "name": "Жанар", "consent": "on"}, follow=True)

    assert response.redirect_chain == [(SIGN_IN, 302)]
    assert "Your confirmation is no longer valid. Please sign in again." in response.content.decode()
    assert not Applicant.objects.filter(iin=iin).exists()


# --- Signing in ------------------------------------------------------------------


def test_a_new_parent_signs_in_with_the_code_from_the_outbox_and_registers(
    client, ask_code, new_iin, new_phone
):
    iin, phone = new_iin(), new_phone()
    response = ask_code(client, iin, phone)
    assert response.status_code == 302
    assert response.url == CODE
    key_before = session_key(client)
    assert set(client.session.keys()) == {"sign_in_code_id"}

    response = client.post(CODE, {"code": code_sent_to(phone)})
    assert response.status_code == 302
    assert response.url == REGISTER
    assert session_key(client) != key_before
    page = client.get(REGISTER).content.decode()
    assert "I agree that the education authorities" in page
    assert phone in page

    response = client.post(
        REGISTER, {"surname": "Омарова", "name": "Жанар", "patronymic": "", "consent": "on"}
    )

    assert response.status_code == 302
    assert response.url == cabinet_url()
    applicant = Applicant.objects.get(iin=iin)
    assert applicant.phone == phone
    assert applicant.consent_version == CONSENT_VERSION
    assert applicant.consented_at is not None
    assert applicant.language == "kk"  # English pages are a test device; a parent's language is kk or ru
    user = signed_in_user(client)
    assert user == applicant.user
    assert user.role == Role.PARENT
    assert user.username != iin
    assert not user.has_usable_password()
    assert session_key(client) not in (None, key_before)
    actions = AuditEvent.objects.filter(target_id=str(applicant.pk)).values_list("action", flat=True)
    assert set(actions) == {"applicant.registered", "sign_in.succeeded"}


def test_registration_needs_consent(client, ask_code, new_iin, new_phone):
    iin, phone = new_iin(), new_phone()
    ask_code(client, iin, phone)
    client.post(CODE, {"code": code_sent_to(phone)})

    response = client.post(REGISTER, {"surname": "Омарова", "name": "Жанар"})

    assert response.status_code == 200
    assert re.search(r'role="alert">\s*<p>Registration needs your consent', response.content.decode())
    assert not Applicant.objects.filter(iin=iin).exists()
    assert signed_in_user(client).is_anonymous


def test_an_applicant_entered_on_paper_signs_in_and_gets_a_user(client, ask_code):
    applicant = ApplicantFactory()
    assert applicant.user is None

    ask_code(client, applicant.iin, applicant.phone)
    response = client.post(CODE, {"code": code_sent_to(applicant.phone)})

    assert response.status_code == 302
    assert response.url == cabinet_url()
    applicant.refresh_from_db()
    assert applicant.user is not None
    assert applicant.user.role == Role.PARENT
    assert applicant.user.username != applicant.iin
    assert not applicant.user.has_usable_password()
    assert signed_in_user(client) == applicant.user
    event = AuditEvent.objects.get(action="sign_in.succeeded", target_id=str(applicant.pk))
    assert event.details == {"iin": applicant.iin[:6] + "******", "first_sign_in": True}


def test_the_session_key_changes_at_sign_in(client, ask_code):
    applicant = ApplicantFactory()
    ask_code(client, applicant.iin, applicant.phone)
    key_before = session_key(client)

    client.post(CODE, {"code": code_sent_to(applicant.phone)})

    assert session_key(client) not in (None, key_before)
    assert not SessionStore().exists(key_before)


def test_a_wrong_phone_for_a_registered_iin_gets_the_same_answer_and_no_sms(ask_code, new_iin, new_phone):
    """The answer to a wrong phone and to a first sign-in differ only in the number the visitor typed."""
    applicant = ApplicantFactory()
    typed = new_phone()
    registered, unregistered = Client(), Client()

    wrong_phone = ask_code(registered, applicant.iin, typed)
    other_phone = new_phone()
    first_time = ask_code(unregistered, new_iin(), other_phone)

    assert (wrong_phone.status_code, wrong_phone.url) == (first_time.status_code, first_time.url)
    page_wrong = without_csrf(registered.get(CODE).content)
    page_first = without_csrf(unregistered.get(CODE).content)
    masked = outbox.mask_recipient
    assert page_wrong == page_first.replace(masked(other_phone), masked(typed))
    assert outbox.messages_to(typed) == []
    assert outbox.messages_to(applicant.phone) == []
    assert OneTimeCode.objects.get(iin=applicant.iin).deliverable is False


def test_a_second_request_within_a_minute_is_refused_on_the_page(client, ask_code):
    applicant = ApplicantFactory()
    ask_code(client, applicant.iin, applicant.phone)

    response = ask_code(client, applicant.iin, applicant.phone)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert re.search(r'role="alert">\s*<p>A code was sent a moment ago', response.content.decode())
    assert len(outbox.messages_to(applicant.phone)) == 1


def test_a_wrong_code_is_refused_next_to_the_field(client, ask_code):
    applicant = ApplicantFactory()
    ask_code(client, applicant.iin, applicant.phone)

    response = client.post(CODE, {"code": wrong(code_sent_to(applicant.phone))})

    assert response.status_code == 200
    assert re.search(r'id="id_code_errors" role="alert">\s*<p>Wrong code', response.content.decode())
    assert signed_in_user(client).is_anonymous


def test_ten_failed_checks_lock_the_iin_while_another_parent_still_signs_in(client, ask_code, clock):
    applicant = ApplicantFactory()
    for _code in range(2):
        ask_code(client, applicant.iin, applicant.phone)
        code = code_sent_to(applicant.phone)
        for _entry in range(5):
            response = client.post(CODE, {"code": wrong(code)})
        clock.shift(61)

    assert response.status_code == 429
    assert "signing in is blocked until 11:02" in response.content.decode()
    # Even a fresh code, entered right, opens nothing now.
    ask_code(client, applicant.iin, applicant.phone)
    response = client.post(CODE, {"code": code_sent_to(applicant.phone)})
    assert response.status_code == 429
    assert "signing in is blocked until" in response.content.decode()
    assert signed_in_user(client).is_anonymous
    applicant.refresh_from_db()
    assert applicant.user is None
    reasons = [
        event.details["reason"] for event in AuditEvent.objects.filter(action="one_time_code.check_failed")
    ]
    assert reasons == ["locked"] + ["wrong"] * 10  # newest first

    other = ApplicantFactory()
    elsewhere = Client(REMOTE_ADDR="203.0.113.20")
    ask_code(elsewhere, other.iin, other.phone)
    response = elsewhere.post(CODE, {"code": code_sent_to(other.phone)})
    assert response.status_code == 302
    assert signed_in_user(elsewhere) == Applicant.objects.get(pk=other.pk).user


def test_ten_failed_checks_lock_the_address_too(client, ask_code, clock):
    for _parent in range(2):
        applicant = ApplicantFactory()
        ask_code(client, applicant.iin, applicant.phone)
        code = code_sent_to(applicant.phone)
        for _entry in range(5):
            response = client.post(CODE, {"code": wrong(code)})

    third = ApplicantFactory()
    ask_code(client, third.iin, third.phone)
    response = client.post(CODE, {"code": code_sent_to(third.phone)})

    assert response.status_code == 429
    assert "signing in is blocked until" in response.content.decode()


def test_staff_passwords_in_the_admin_are_locked_after_ten_failures(client):
    UserFactory(username="specialist", role=Role.SPECIALIST, is_staff=True)
    login = reverse("admin:login")
    for _attempt in range(9):
        assert client.post(login, {"username": "specialist", "password": "wrong"}).status_code == 200

    response = client.post(login, {"username": "specialist", "password": "wrong"})
    assert response.status_code == 429
    assert "too many failed sign-in attempts" in response.content.decode()

    response = client.post(login, {"username": "specialist", "password": "a-long-test-password"})
    assert response.status_code == 429
    assert signed_in_user(client).is_anonymous


# --- After signing in ----------------------------------------------------------------


def test_next_is_followed_only_within_the_site(ask_code):
    for next_url, landing in (("/some/page/", "/some/page/"), ("https://evil.example/", cabinet_url())):
        applicant = ApplicantFactory()
        client = Client()
        response = ask_code(client, applicant.iin, applicant.phone, next_url=next_url)
        response = client.post(response.url, {"code": code_sent_to(applicant.phone), "next": next_url})
        assert response.url == landing


def test_sign_out_is_post_only_and_the_old_cookie_no_longer_works(client, ask_code):
    applicant = ApplicantFactory()
    ask_code(client, applicant.iin, applicant.phone)
    client.post(CODE, {"code": code_sent_to(applicant.phone)})
    old_key = session_key(client)
    assert signed_in_user(client).is_authenticated

    assert client.get(SIGN_OUT).status_code == 405
    assert signed_in_user(client).is_authenticated
    response = client.post(SIGN_OUT)

    assert response.status_code == 302
    assert not SessionStore().exists(old_key)
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert signed_in_user(replay).is_anonymous
    assert AuditEvent.objects.filter(action="sign_in.signed_out", target_id=str(applicant.pk)).exists()


def test_no_iin_appears_in_any_url_of_the_flow(client, sending, new_iin, new_phone):
    iin, phone = new_iin(), new_phone()
    urls = []

    def visit(method, url, data=None):
        with sending():
            response = getattr(client, method)(url, data or {}, follow=True)
        urls.append(url)
        urls.extend(redirect for redirect, _status in response.redirect_chain)
        urls.extend(re.findall(r'(?:action|href)="([^"]*)"', response.content.decode()))
        return response

    visit("get", SIGN_IN + "?next=/cabinet/")
    visit("post", SIGN_IN, {"iin": iin, "phone": phone, "next": "/cabinet/"})
    visit("post", CODE, {"code": code_sent_to(phone), "next": "/cabinet/"})
    visit("post", REGISTER, {"surname": "Омарова", "name": "Жанар", "consent": "on", "next": "/cabinet/"})

    assert Applicant.objects.filter(iin=iin).exists()
    assert urls
    assert not [url for url in urls if iin in url or iin[:6] in url]
