"""One-time codes (RULES.md section 7, issue 6 item 2): who gets one, how often, and when it stops working."""

import datetime
import json
import threading

import pytest
from axes.models import AccessAttempt
from django.db import connection

from accounts import services
from accounts.models import CodePurpose, OneTimeCode
from accounts.tests.factories import ApplicantFactory
from accounts.tests.helpers import START, code_sent_to, wrong
from audit.models import AuditEvent
from core import outbox

pytestmark = [pytest.mark.django_db, pytest.mark.clock(START)]

ADDRESS = "198.51.100.7"


def ask(iin, phone, *, purpose=CodePurpose.SIGN_IN, client_ip=ADDRESS):
    return services.request_code(iin=iin, phone=phone, purpose=purpose, client_ip=client_ip)


def check(code_row, code, *, purpose=CodePurpose.SIGN_IN, client_ip=ADDRESS):
    return services.verify_code(code_id=code_row.pk, code=code, purpose=purpose, client_ip=client_ip)


# --- Sending ----------------------------------------------------------------------


def test_a_new_iin_gets_six_digits_by_sms_in_the_active_language(english, new_iin, new_phone, sending, clock):
    phone = new_phone()
    with sending():
        row = ask(new_iin(), phone)

    code = code_sent_to(phone)
    assert row.deliverable
    assert outbox.messages_to(phone, channel="sms") == [
        f"Kezek: your sign-in code is {code}. It is valid for 5 minutes. "
        "Never tell it to anyone: the service is free."
    ]
    assert row.expires_at - row.created_at == datetime.timedelta(minutes=5)


def test_the_database_holds_a_keyed_hash_never_the_code(new_iin, new_phone, sending, clock):
    phone = new_phone()
    with sending():
        row = ask(new_iin(), phone)
    code = code_sent_to(phone)

    stored = OneTimeCode.objects.get(pk=row.pk)
    assert stored.code_hash != code
    assert code not in stored.code_hash
    assert len(stored.code_hash) == 64
    assert stored.code_hash == stored.hash_of(code)
    # Keyed with the row id: the same code hashes differently in another row.
    assert OneTimeCode(pk=None).hash_of(code) != stored.code_hash


def test_an_applicant_gets_the_code_on_either_phone_on_record(english, new_phone, sending, clock):
    applicant = ApplicantFactory(phone2=new_phone())
    with sending():
        first = ask(applicant.iin, applicant.phone)
    clock.shift(61)
    with sending():
        second = ask(applicant.iin, applicant.phone2)

    assert first.deliverable
    assert second.deliverable
    assert first.applicant == applicant
    assert code_sent_to(applicant.phone)
    assert code_sent_to(applicant.phone2)


def test_a_phone_not_on_record_gets_nothing_and_the_row_looks_the_same(new_phone, sending, clock):
    applicant = ApplicantFactory()
    stranger = new_phone()
    with sending():
        row = ask(applicant.iin, stranger)

    assert row.deliverable is False
    assert len(row.code_hash) == 64
    assert outbox.messages_to(stranger) == []
    assert outbox.messages_to(applicant.phone) == []
    assert AuditEvent.objects.get(target_id=str(row.pk)).action == "one_time_code.withheld"


def test_a_withheld_code_never_matches(monkeypatch, clock):
    applicant = ApplicantFactory()
    monkeypatch.setattr(services.secrets, "choice", lambda digits: "7")
    row = ask(applicant.iin, "+77059999999")

    with pytest.raises(services.WrongCode):
        check(row, "777777")


def test_a_code_for_a_referral_never_goes_to_a_phone_nobody_confirmed(new_iin, new_phone, sending, clock):
    phone = new_phone()
    with sending():
        row = ask(new_iin(), phone, purpose=CodePurpose.TAKE_REFERRAL)

    assert row.deliverable is False
    assert outbox.messages_to(phone) == []


# --- Send limits -----------------------------------------------------------------


def test_a_second_request_within_60_seconds_is_refused_and_nothing_is_sent(
    english, new_iin, new_phone, sending, clock
):
    iin, phone = new_iin(), new_phone()
    with sending():
        ask(iin, phone)
    clock.shift(59)

    with sending(), pytest.raises(services.TooManyCodes) as refused:
        ask(iin, phone)

    assert str(refused.value) == "A code was sent a moment ago. You can request a new one in 1 second."
    assert len(outbox.messages_to(phone)) == 1
    assert OneTimeCode.objects.filter(iin=iin).count() == 1
    clock.shift(1)
    with sending():
        ask(iin, phone)
    assert len(outbox.messages_to(phone)) == 2


def test_the_fourth_request_within_15_minutes_is_refused_until_the_first_ages_out(
    english, new_iin, new_phone, sending, clock
):
    iin, phone = new_iin(), new_phone()
    for _request in range(3):
        with sending():
            ask(iin, phone)
        clock.shift(61)

    with sending(), pytest.raises(services.TooManyCodes) as refused:
        ask(iin, phone)

    # The first went at 10:00 in Almaty; a new one may go at 10:15.
    assert str(refused.value) == "You have requested too many codes. You can request a new one after 10:15."
    assert len(outbox.messages_to(phone)) == 3
    event = AuditEvent.objects.get(action="one_time_code.refused")
    assert event.details["limit"] == "iin"
    assert event.details["iin"] == iin[:6] + "******"
    clock.move_to(datetime.datetime(2026, 11, 24, 5, 15, tzinfo=datetime.UTC))
    with sending():
        ask(iin, phone)
    assert len(outbox.messages_to(phone)) == 4


def test_no_more_than_five_codes_an_hour(english, new_iin, new_phone, sending, clock):
    iin, phone = new_iin(), new_phone()
    for wait in (61, 61, 15 * 60, 61, 15 * 60):
        with sending():
            ask(iin, phone)
        clock.shift(wait)

    with sending(), pytest.raises(services.TooManyCodes) as refused:
        ask(iin, phone)

    assert refused.value.retry_at == datetime.datetime(2026, 11, 24, 6, 0, tzinfo=datetime.UTC)
    assert len(outbox.messages_to(phone)) == 5


def test_the_limit_follows_the_phone_across_iins(new_iin, new_phone, sending, clock):
    phone = new_phone()
    with sending():
        ask(new_iin(), phone)

    with sending(), pytest.raises(services.TooManyCodes):
        ask(new_iin(), phone)
    assert len(outbox.messages_to(phone)) == 1


def test_a_wrong_phone_counts_like_a_right_one(new_phone, sending, clock):
    """Otherwise the limits would tell a phone on record from one that is not."""
    applicant = ApplicantFactory()
    with sending():
        ask(applicant.iin, new_phone())

    with sending(), pytest.raises(services.TooManyCodes):
        ask(applicant.iin, applicant.phone)


def test_twenty_requests_an_hour_from_one_address(new_iin, new_phone, sending, clock):
    for _request in range(20):
        with sending():
            ask(new_iin(), new_phone())
        clock.shift(30)

    with sending(), pytest.raises(services.TooManyCodes) as refused:
        ask(new_iin(), new_phone())
    assert AuditEvent.objects.get(action="one_time_code.refused").details["limit"] == "client_ip"
    assert refused.value.retry_at == datetime.datetime(2026, 11, 24, 6, 0, tzinfo=datetime.UTC)
    ask(new_iin(), new_phone(), client_ip="198.51.100.8")


# --- Checking ----------------------------------------------------------------------


def test_the_right_code_is_accepted_once(new_iin, new_phone, sending, clock):
    phone = new_phone()
    with sending():
        row = ask(new_iin(), phone)
    code = code_sent_to(phone)

    accepted = check(row, code)

    assert accepted.used_at is not None
    with pytest.raises(services.CodeUsed):
        check(row, code)


def test_the_code_works_for_5_minutes_and_not_a_second_more(new_iin, new_phone, sending, clock):
    on_time, late = new_phone(), new_phone()
    with sending():
        on_time_row = ask(new_iin(), on_time)
        late_row = ask(new_iin(), late)

    clock.shift(5 * 60)
    check(on_time_row, code_sent_to(on_time))
    clock.shift(1)
    with pytest.raises(services.CodeExpired):
        check(late_row, code_sent_to(late))


def test_after_5_wrong_codes_even_the_right_one_is_refused(english, new_iin, new_phone, sending, clock):
    phone = new_phone()
    with sending():
        row = ask(new_iin(), phone)
    code = code_sent_to(phone)

    messages = []
    for _entry in range(5):
        with pytest.raises(services.WrongCode) as refused:
            check(row, wrong(code))
        messages.append(str(refused.value))

    assert messages[0] == "Wrong code. Check the SMS and try again: 4 attempts left."
    assert messages[3] == "Wrong code. Check the SMS and try again: 1 attempt left."
    assert messages[4] == "Wrong code. This code no longer works: please request a new one."
    with pytest.raises(services.CodeVoid):
        check(row, code)
    assert OneTimeCode.objects.get(pk=row.pk).used_at is None


def test_a_code_is_checked_only_for_its_purpose(new_iin, new_phone, sending, clock):
    phone = new_phone()
    with sending():
        row = ask(new_iin(), phone)

    with pytest.raises(services.UnknownCode):
        check(row, code_sent_to(phone), purpose=CodePurpose.TAKE_REFERRAL)


def test_a_locked_iin_is_refused_even_with_the_right_code(english, new_iin, new_phone, sending, clock):
    iin, phone = new_iin(), new_phone()
    with sending():
        row = ask(iin, phone)
    # Ten failed checks from elsewhere, as django-axes records them.
    AccessAttempt.objects.create(
        username=iin, ip_address="203.0.113.9", user_agent="", failures_since_start=10, attempt_time=START
    )

    with pytest.raises(services.SignInLocked) as refused:
        check(row, code_sent_to(phone))

    assert str(refused.value) == (
        "Too many failed attempts to sign in with this IIN or from this network. For your safety, "
        "signing in is blocked until 11:00. Please try again then."
    )
    assert services.locked_until(iin=iin, client_ip=ADDRESS) == START + datetime.timedelta(hours=1)
    clock.shift(3600 + 1)
    assert services.locked_until(iin=iin, client_ip=ADDRESS) is None


def test_failed_checks_are_audited_without_the_code_or_the_whole_iin(new_iin, new_phone, sending, clock):
    iin, phone = new_iin(), new_phone()
    with sending():
        row = ask(iin, phone)
    code = code_sent_to(phone)
    with pytest.raises(services.WrongCode):
        check(row, wrong(code))
    check(row, code)

    events = AuditEvent.objects.filter(target_id=str(row.pk)).order_by("id")
    assert [event.action for event in events] == [
        "one_time_code.sent",
        "one_time_code.check_failed",
        "one_time_code.accepted",
    ]
    for event in events:
        text = json.dumps(event.details)
        assert iin not in text
        assert code not in text
        assert wrong(code) not in text
    assert events[1].details["reason"] == "wrong"
    assert events[1].details["iin"] == iin[:6] + "******"


@pytest.mark.django_db(transaction=True)
def test_two_checks_at_once_cannot_both_pass(new_iin, new_phone):
    phone = new_phone()
    row = ask(new_iin(), phone)  # committed at once: this test runs outside a wrapping transaction
    code = code_sent_to(phone)
    barrier = threading.Barrier(2)
    outcomes = []

    def enter():
        try:
            barrier.wait()
            check(row, code)
            outcomes.append("accepted")
        except services.CodeUsed:
            outcomes.append("used")
        finally:
            connection.close()

    threads = [threading.Thread(target=enter) for _thread in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["accepted", "used"]


@pytest.mark.django_db(transaction=True)
def test_requests_at_the_same_moment_still_send_one_code(new_iin, new_phone):
    iin, phone = new_iin(), new_phone()
    barrier = threading.Barrier(4)
    outcomes = []

    def request():
        try:
            barrier.wait()
            ask(iin, phone)
            outcomes.append("sent")
        except services.TooManyCodes:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _thread in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "refused", "refused", "sent"]
    assert len(outbox.messages_to(phone)) == 1
