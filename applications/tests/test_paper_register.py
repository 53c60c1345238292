"""A paper application at the desk beside the person register (issue 18 item 2): differences recorded.

The specialist has the papers, so the register refuses nothing at the desk:
what differs is shown beside the paper before registering and recorded on the
application; when the register is silent the application is registered awaiting
its check, and the later answer is recorded too, never withdrawing it.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from applications import register_checks
from applications.choices import RegisterCheck, Status
from applications.models import Application, Guardianship
from applications.tests.factories import child_iin
from applications.tests.test_admin import paper_form_data
from audit.models import AuditEvent
from core.breaker import close_all
from core.iin import Sex
from dispatch.models import PendingTask
from registers.tests.people import a_person

NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))
BORN = datetime.date(2022, 4, 12)
MOTHER = child_iin(datetime.date(1993, 6, 1), Sex.FEMALE)
SON = child_iin(BORN, Sex.MALE)

pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock", "english_pages")]


@pytest.fixture
def register_son(person_register):
    """The register's record of the boy of ``paper_form_data``: his name spelt Ерлан, his mother named."""
    son = a_person(
        BORN, Sex.MALE, iin=SON, surname="Серікұлы", name="Ерлан", patronymic="",
        representatives=(MOTHER,),
    )  # fmt: skip
    person_register.add(son)
    return son


def enter(client, settlement, **overrides):
    return client.post(
        reverse("admin:applications_application_add"),
        paper_form_data(settlement, **{"child_iin": SON, "applicant_iin": MOTHER, **overrides}),
        follow=True,
    )


def test_the_desk_sees_the_register_beside_the_paper_before_registering(
    client, specialist_a, settlement_a, register_son
):
    client.force_login(specialist_a)

    response = enter(client, settlement_a, child_name="Арлан", compare="1")

    assert not Application.objects.exists()
    rows = {str(row["label"]): row for row in response.context["comparison"]["rows"]}
    assert (rows["name"]["given"], rows["name"]["register"], rows["name"]["differs"]) == (
        "Арлан",
        "Ерлан",
        True,
    )
    assert rows["surname"]["differs"] is False
    assert "The person register beside the paper" in response.text
    assert "Differences: name." in response.text
    assert AuditEvent.objects.get(action="register.person_asked").details["outcome"] == "differs"


def test_a_paper_application_with_a_differing_name_is_registered_with_the_difference_recorded(
    client, specialist_a, settlement_a, register_son
):
    client.force_login(specialist_a)

    response = enter(client, settlement_a, child_name="Арлан")

    application = Application.objects.get()
    assert application.status == Status.IN_QUEUE
    assert application.register_check == RegisterCheck.DIFFERS
    assert application.register_differences == [{"field": "name", "given": "Арлан", "register": "Ерлан"}]
    assert AuditEvent.objects.get(action="register.difference_recorded").details == {"fields": ["name"]}
    page = client.get(reverse("admin:applications_application_change", args=[application.pk]))
    assert "Differs from the person register" in page.text
    assert "on paper «Арлан», in the register «Ерлан»" in page.text
    assert response.status_code == 200


def test_a_paper_application_agreeing_with_the_register_is_confirmed(
    client, specialist_a, settlement_a, register_son
):
    client.force_login(specialist_a)

    enter(client, settlement_a)

    application = Application.objects.get()
    assert application.register_check == RegisterCheck.CONFIRMED
    assert application.register_differences == []


def test_a_child_the_register_does_not_know_is_still_registered_from_the_papers(
    client, specialist_a, settlement_a, person_register
):
    client.force_login(specialist_a)

    enter(client, settlement_a)

    application = Application.objects.get()
    assert application.status == Status.IN_QUEUE
    assert [difference["field"] for difference in application.register_differences] == ["not_found"]


def test_when_the_register_is_silent_the_paper_application_awaits_its_check_and_a_later_contradiction_is_only_recorded(  # noqa: E501
    clock, client, specialist_a, settlement_a, fake_bus, register_son
):
    client.force_login(specialist_a)
    fake_bus.delay = 1.0

    enter(client, settlement_a, child_name="Арлан")

    application = Application.objects.get()
    assert application.register_check == RegisterCheck.AWAITING
    assert application.submitted_at == datetime.datetime(2026, 3, 10, 10, 30, tzinfo=NOW.tzinfo)
    assert Guardianship.objects.get().register_check == RegisterCheck.AWAITING

    fake_bus.delay = 0
    close_all()
    clock.shift(register_checks.FIRST_RETRY.total_seconds())
    assert register_checks.recheck_due() == {"confirmed": 1, "refused": 0, "no_answer": 0}

    application.refresh_from_db()
    assert application.status == Status.IN_QUEUE
    assert application.register_check == RegisterCheck.DIFFERS
    assert application.register_differences == [{"field": "name", "given": "Арлан", "register": "Ерлан"}]


def test_a_register_naming_other_parents_later_does_not_withdraw_the_paper_application(
    clock, client, specialist_a, settlement_a, fake_bus, person_register, register_son
):
    client.force_login(specialist_a)
    fake_bus.delay = 1.0
    enter(client, settlement_a)
    person_register.add(a_person(BORN, Sex.MALE, iin=register_son.iin, surname="Серікұлы", name="Ерлан",
                                 patronymic="", representatives=()))  # fmt: skip

    fake_bus.delay = 0
    close_all()
    clock.shift(register_checks.FIRST_RETRY.total_seconds())
    assert register_checks.recheck_due() == {"confirmed": 0, "refused": 1, "no_answer": 0}

    application = Application.objects.get()
    assert application.status == Status.IN_QUEUE
    assert application.register_check == RegisterCheck.DIFFERS
    assert [difference["field"] for difference in application.register_differences] == ["not_representative"]
    assert not PendingTask.objects.filter(task="applications.tasks.notify_register_refused").exists()
