"""When the person register cannot answer: the child is added as typed, applied for, and checked later.

Against the loopback SOAP fake of the bus (issue 18 item 3): a time-out at the
look-up keeps what the parent typed, the application stands in the queue with
its own submission time, the beat job asks again with back-off, and only a
definite contradicting answer ends the application and tells the parent.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from applications import register_checks, tasks
from applications.choices import RegisterCheck, Status
from applications.models import Guardianship
from applications.tests.factories import applicant_details, child_iin, submit
from audit.models import AuditEvent
from core import outbox
from core.breaker import close_all
from core.iin import Sex
from registers.tests.people import a_person

NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))
BORN = datetime.date(2022, 4, 12)

pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("english_pages")]


@pytest.fixture
def register_child(parent):
    """The register's record of the parent's daughter, under the names the register spells."""
    return a_person(BORN, Sex.FEMALE, iin=child_iin(BORN, Sex.FEMALE), surname="Омарова", name="Аружан",
                    patronymic="Ерланқызы", representatives=(parent.iin,))  # fmt: skip


def typed(child, **overrides):
    """What the parent types from the birth certificate (the name misspelt)."""
    data = {
        "step": "by_hand",
        "iin": child.iin,
        "surname": "Омарова",
        "name": "Аружaн",  # a Latin "a" typed by mistake
        "patronymic": "",
        "birth_date": child.birth_date.isoformat(),
        "sex": child.sex,
    }
    return data | overrides


def add_while_the_register_is_silent(parent_client, fake_bus, child):
    fake_bus.delay = 1.0
    looked_up = parent_client.post(reverse("applications:children"), {"step": "look_up", "iin": child.iin})
    added = parent_client.post(reverse("applications:children"), typed(child), follow=True)
    return looked_up, added


def apply_for(parent, settlement, child):
    details = register_checks.child_details(child)
    return submit(
        settlement,
        child=register_checks.services.ChildDetails(
            **{**details.__dict__, "name": "Аружaн", "patronymic": ""}
        ),
        applicant=applicant_details(
            iin=parent.iin, surname=parent.surname, name=parent.name, phone=parent.phone
        ),
        now=NOW,
    )


def the_register_answers_again(fake_bus):
    fake_bus.delay = 0
    close_all()  # the breaker's pause is over


def test_a_time_out_keeps_the_iin_and_asks_for_the_data_by_hand(
    clock, parent_client, person_register, fake_bus, register_child
):
    person_register.add(register_child)

    looked_up, added = add_while_the_register_is_silent(parent_client, fake_bus, register_child)

    assert looked_up.context["by_hand"] is True
    assert looked_up.context["form"].initial["iin"] == register_child.iin
    assert "not answering right now" in looked_up.text
    assert "is on your list, awaiting the person register" in added.text
    guardianship = Guardianship.objects.get()
    assert guardianship.register_check == RegisterCheck.AWAITING
    assert guardianship.register_next_check_at == NOW + register_checks.FIRST_RETRY
    assert AuditEvent.objects.filter(action="register.check_awaited").exists()


def test_the_application_stands_in_the_queue_and_the_recheck_confirms_it_and_corrects_the_names(
    clock, parent, parent_client, person_register, fake_bus, register_child, settlement_a
):
    person_register.add(register_child)
    add_while_the_register_is_silent(parent_client, fake_bus, register_child)
    application = apply_for(parent, settlement_a, register_child)
    assert application.queue_entries.filter(left_at__isnull=True).exists()

    clock.shift(register_checks.FIRST_RETRY.total_seconds())
    assert tasks.recheck_register.apply().get() == {"confirmed": 0, "refused": 0, "no_answer": 1}
    the_register_answers_again(fake_bus)
    clock.shift(2 * register_checks.FIRST_RETRY.total_seconds())
    assert tasks.recheck_register.apply().get() == {"confirmed": 1, "refused": 0, "no_answer": 0}

    guardianship = Guardianship.objects.select_related("child").get()
    assert guardianship.register_check == RegisterCheck.CONFIRMED
    assert guardianship.child.full_name == "Омарова Аружан Ерланқызы"
    application.refresh_from_db()
    assert application.status == Status.IN_QUEUE
    assert application.submitted_at == NOW
    event = AuditEvent.objects.get(action="register.check_confirmed")
    assert event.details["corrected_fields"] == ["name", "patronymic"]


def test_each_request_without_an_answer_waits_twice_as_long_and_refuses_nothing(
    clock, parent_client, person_register, fake_bus, register_child
):
    person_register.add(register_child)
    add_while_the_register_is_silent(parent_client, fake_bus, register_child)
    waits = []
    for _attempt in range(3):
        guardianship = Guardianship.objects.get()
        clock.shift(
            (guardianship.register_next_check_at - datetime.datetime.now(tz=NOW.tzinfo)).total_seconds()
        )
        register_checks.recheck_due()
        guardianship.refresh_from_db()
        waits.append(guardianship.register_next_check_at - datetime.datetime.now(tz=NOW.tzinfo))

    assert waits == [
        register_checks.FIRST_RETRY * 2,
        register_checks.FIRST_RETRY * 4,
        register_checks.FIRST_RETRY * 8,
    ]
    assert guardianship.register_check == RegisterCheck.AWAITING


def test_a_definite_contradiction_withdraws_the_application_and_tells_the_parent(
    clock,
    parent,
    other_parent,
    parent_client,
    person_register,
    fake_bus,
    register_child,
    settlement_a,
    django_capture_on_commit_callbacks,
):
    strangers = register_child.__class__(
        **{**register_child.__dict__, "representatives": (other_parent.iin,)}
    )
    person_register.add(strangers)
    add_while_the_register_is_silent(parent_client, fake_bus, strangers)
    application = apply_for(parent, settlement_a, strangers)

    the_register_answers_again(fake_bus)
    clock.shift(register_checks.FIRST_RETRY.total_seconds())
    with django_capture_on_commit_callbacks(execute=True):
        assert register_checks.recheck_due() == {"confirmed": 0, "refused": 1, "no_answer": 0}

    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert "does not name the applicant" in application.status_reason
    assert not application.queue_entries.filter(left_at__isnull=True).exists()
    assert Guardianship.objects.get().register_check == RegisterCheck.REFUSED
    (sms,) = outbox.messages_to(parent.phone, channel="sms")
    assert "Аружaн" in sms
    assert "қағаз түрінде өтініш беріңіз" in sms  # in the parent's language: Kazakh
    page = parent_client.get(reverse("applications:children"))
    assert "Not confirmed by the person register" in page.text
    assert not register_checks.services.selectors.children_to_apply_for(parent).exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ("Ожидает проверки", "сохраняет время подачи")),
        ("kk", ("тексеруін", "берілген уақытын сақтайды")),
    ],
)
def test_the_application_page_says_the_child_awaits_the_register_and_keeps_its_time(
    clock, parent, parent_client, person_register, fake_bus, register_child, settlement_a, language, words
):
    person_register.add(register_child)
    add_while_the_register_is_silent(parent_client, fake_bus, register_child)
    application = apply_for(parent, settlement_a, register_child)
    parent_client.cookies["django_language"] = language

    page = parent_client.get(reverse("applications:detail", args=[application.number]))

    notice = page.text[page.text.index('id="awaiting-register"') :]
    notice = notice[: notice.index("</div>")]
    for word in words:
        assert word in notice


def test_the_application_page_says_nothing_of_the_register_once_it_confirmed_the_child(
    clock, parent, parent_client, person_register, register_child, settlement_a
):
    person_register.add(register_child)
    parent_client.post(reverse("applications:children"), {"step": "confirm", "iin": register_child.iin})
    application = apply_for(parent, settlement_a, register_child)

    page = parent_client.get(reverse("applications:detail", args=[application.number]))

    assert 'id="awaiting-register"' not in page.text
