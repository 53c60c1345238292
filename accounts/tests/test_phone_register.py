"""Whose phone is it: the register of mobile numbers decides which phone may receive an IIN's codes.

Issue 15 item 6. A code proves only that someone holds a phone; before a phone
becomes the one an IIN's codes go to, the state register must give it to that
IIN. Development and tests use the local fake (``PHONE_REGISTER_FAKE_FILE``);
the HTTP adapter is tested against the same fake served on loopback.
"""

import datetime
import json
import threading
from http.server import HTTPServer

import pytest
from django.urls import reverse
from django.utils import translation

from accounts import phone_register
from accounts.choices import Role
from accounts.models import Applicant, OneTimeCode
from accounts.services import PhoneNotRegistered, request_code
from accounts.tests.factories import ApplicantFactory, UserFactory
from accounts.tests.helpers import START, code_sent_to
from applications.choices import Channel
from applications.tests.factories import applicant_details, submit
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
NOT_REGISTERED = (
    "This mobile number is not registered to this IIN in the state register of mobile numbers. Enter a "
    "number registered to you, or register yours at a Government for Citizens centre or on egov.kz."
)
SOMEONE_ELSES = "+77071112233"


@pytest.fixture
def register_file(settings, tmp_path):
    """The fake register: SOMEONE_ELSES belongs to another IIN; other numbers to whoever asks."""

    def write(numbers):
        path = tmp_path / f"register-{len(numbers)}-{abs(hash(json.dumps(numbers)))}.json"
        path.write_text(json.dumps(numbers))
        settings.PHONE_REGISTER_FAKE_FILE = path

    write({SOMEONE_ELSES: "870601300017"})
    return write


@pytest.fixture
def ask(sending):
    def post(client, iin, phone):
        with sending():
            return client.post(SIGN_IN, {"iin": iin, "phone": phone})

    return post


def test_a_new_iin_cannot_register_with_someone_elses_phone(client, ask, register_file, new_iin):
    iin = new_iin()

    response = ask(client, iin, SOMEONE_ELSES)

    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == [NOT_REGISTERED]
    assert outbox.messages_to(SOMEONE_ELSES, channel="sms") == []
    row = OneTimeCode.objects.get(iin=iin)
    assert not row.deliverable
    assert AuditEvent.objects.filter(
        action="one_time_code.withheld", details__reason="phone_not_registered"
    ).exists()


def test_a_known_iin_gets_the_same_answer_so_nobody_learns_whether_an_iin_is_new(
    client, ask, clock, register_file, new_iin
):
    known = ApplicantFactory(user=UserFactory(role=Role.PARENT))
    answers = []
    for iin in (new_iin(), known.iin):
        clock.shift(3600)  # past the send limits of the phone
        response = ask(client, iin, SOMEONE_ELSES)
        answers.append((response.status_code, response.context["form"].errors.get_json_data()))

    assert answers[0] == answers[1]
    assert outbox.messages_to(SOMEONE_ELSES, channel="sms") == []


def test_a_new_parent_with_their_own_number_registers_as_before(
    client, ask, register_file, new_iin, new_phone
):
    iin, phone = new_iin(), new_phone()
    register_file({SOMEONE_ELSES: "870601300017", phone: iin})

    ask(client, iin, phone)
    client.post(CODE, {"code": code_sent_to(phone)})
    response = client.post(REGISTER, {"surname": "Омарова", "name": "Жанар", "consent": "on"})

    assert response.status_code == 302
    assert Applicant.objects.get(iin=iin).phone == phone


def test_the_phone_on_record_still_receives_its_codes_without_asking_the_register(
    client, ask, settings, register_file
):
    known = ApplicantFactory(user=UserFactory(role=Role.PARENT))
    settings.PHONE_REGISTER_BACKEND = "accounts.phone_register.HttpRegister"
    settings.PHONE_REGISTER_URL = "http://127.0.0.1:9/"  # nobody listens: the register is not asked

    ask(client, known.iin, known.phone)

    assert code_sent_to(known.phone)


def test_a_second_phone_at_registration_must_be_the_parents_too(
    client, ask, register_file, new_iin, new_phone
):
    iin, phone = new_iin(), new_phone()
    ask(client, iin, phone)
    client.post(CODE, {"code": code_sent_to(phone)})

    response = client.post(
        REGISTER, {"surname": "Омарова", "name": "Жанар", "phone2": SOMEONE_ELSES, "consent": "on"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["phone2"] == [NOT_REGISTERED]
    assert not Applicant.objects.filter(iin=iin).exists()


def test_a_paper_application_cannot_give_a_new_cabinet_someone_elses_phone(
    register_file, settlement_a, specialist_a
):
    with pytest.raises(PhoneNotRegistered):
        submit(
            settlement_a,
            actor=specialist_a,
            channel=Channel.EDUCATION_DEPARTMENT,
            applicant=applicant_details(iin="870601400023", phone=SOMEONE_ELSES),
            received_at=datetime.datetime(2026, 11, 24, 9, tzinfo=datetime.UTC),
        )


def test_refusals_count_in_the_send_limits_so_the_register_cannot_be_probed(register_file, new_iin):
    iin = new_iin()
    with pytest.raises(PhoneNotRegistered):
        request_code(iin=iin, phone=SOMEONE_ELSES, purpose="sign_in", client_ip="192.0.2.1")

    with pytest.raises(Exception, match="A code was sent a moment ago"):
        request_code(iin=iin, phone=SOMEONE_ELSES, purpose="sign_in", client_ip="192.0.2.1")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("kk", "Бұл ұялы телефон нөмірі"),
        ("ru", "Этот номер мобильного телефона не зарегистрирован"),
    ],
)
def test_the_refusal_is_in_the_parents_language(register_file, new_iin, language, expected):
    with translation.override(language):
        with pytest.raises(PhoneNotRegistered) as caught:
            request_code(iin=new_iin(), phone=SOMEONE_ELSES, purpose="sign_in", client_ip=None)

        assert str(caught.value).startswith(expected)


# --- the HTTP adapter, against the fake served on loopback ---------------------------------


class RecordingHandler(phone_register.FakeRegisterHandler):
    seen: list = []
    answer: bytes | None = None

    def do_POST(self):
        RecordingHandler.seen.append(self.headers["Authorization"])
        if RecordingHandler.answer is None:
            return super().do_POST()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(RecordingHandler.answer)
        return None


@pytest.fixture
def http_register(settings, register_file):
    server = HTTPServer(("127.0.0.1", 0), RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    RecordingHandler.seen, RecordingHandler.answer = [], None
    settings.PHONE_REGISTER_BACKEND = "accounts.phone_register.HttpRegister"
    settings.PHONE_REGISTER_URL = f"http://127.0.0.1:{server.server_port}/v1/ownership"
    settings.PHONE_REGISTER_TOKEN = "register-test-token"
    yield RecordingHandler
    server.shutdown()
    server.server_close()


def test_the_http_adapter_asks_by_the_contract_with_its_token(http_register):
    assert phone_register.is_registered_to(iin="870601300017", phone=SOMEONE_ELSES) is True
    assert phone_register.is_registered_to(iin="870601400023", phone=SOMEONE_ELSES) is False
    assert http_register.seen == ["Bearer register-test-token"] * 2


@pytest.mark.parametrize("answer", [b"<html>", b'{"registered": "yes"}', b"[]"])
def test_an_answer_outside_the_contract_means_unavailable(http_register, answer):
    http_register.answer = answer

    with pytest.raises(phone_register.RegisterUnavailable):
        phone_register.is_registered_to(iin="870601300017", phone=SOMEONE_ELSES)


def test_a_register_that_is_down_refuses_the_new_phone_and_sends_nothing(
    client, ask, settings, register_file, new_iin
):
    settings.PHONE_REGISTER_BACKEND = "accounts.phone_register.HttpRegister"
    settings.PHONE_REGISTER_URL = "http://127.0.0.1:9/"
    settings.PHONE_REGISTER_TIMEOUT = 0.5

    response = ask(client, new_iin(), "+77013334455")

    assert response.context["form"].errors["phone"] == [
        "The mobile number cannot be checked right now. Please try again in a few minutes."
    ]
    assert outbox.messages_to("+77013334455", channel="sms") == []
