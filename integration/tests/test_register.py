"""The integration API asks the person register (issue 18): a definite contradiction is refused.

Against the loopback SOAP fake of the bus: the child's record decides, in the
client's language, with a code a service centre's system can act on; when the
register does not answer within its time-out the application is registered
awaiting the check, with its submission time kept, and a later contradicting
answer withdraws it as on the portal.
"""

import datetime

import pytest
from django.utils import translation

from applications import register_checks
from applications.choices import RegisterCheck, Status
from applications.models import Application
from audit.models import AuditEvent
from core import clock
from core.breaker import close_all

from .conftest import in_register, submission, submit

pytestmark = pytest.mark.clock(datetime.datetime(2026, 3, 12, 12, 0, tzinfo=datetime.UTC))


def test_a_child_whose_register_record_has_another_name_is_refused_in_the_clients_language(
    gov_corp_client, settlement_a, fake_bus
):
    body = in_register(submission(settlement_a))
    typed = {**body["child"], "name": "Нурлан"}

    for language in ("ru", "kk"):
        response = submit(gov_corp_client, settlement_a, known=False, language=language, child=typed,
                          applicant=body["applicant"])  # fmt: skip

        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "register_contradicts"
        with translation.override(language):
            label = str(register_checks.COMPARED["name"])
        assert label in error["message"]
        assert "Нұрлан" not in error["message"]  # the register's spelling is not handed out
    assert not Application.objects.exists()
    assert AuditEvent.objects.filter(action="register.person_asked", details__outcome="differs").count() == 2


def test_a_child_the_register_does_not_know_is_refused(gov_corp_client, settlement_a, fake_bus):
    response = submit(gov_corp_client, settlement_a, known=False, language="ru")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_in_register"
    assert "нет живого ребёнка с этим ИИН" in response.json()["error"]["message"]
    assert response.json()["error"]["fields"].keys() == {"child_iin"}


def test_an_applicant_the_register_does_not_name_is_refused(gov_corp_client, settlement_a, fake_bus):
    body = in_register(submission(settlement_a))
    stranger = {**body["applicant"], "iin": submission(settlement_a)["applicant"]["iin"]}

    response = submit(gov_corp_client, settlement_a, known=False, child=body["child"], applicant=stranger)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_representative"
    assert response.json()["error"]["fields"] == {"applicant_iin": [response.json()["error"]["message"]]}


def test_when_the_register_times_out_the_application_is_accepted_awaiting_its_check(
    gov_corp_client, settlement_a, fake_bus, settings
):
    body = in_register(submission(settlement_a))
    fake_bus.delay = settings.REGISTERS_TIMEOUT + 0.5
    started = clock.now()

    response = submit(gov_corp_client, settlement_a, known=False, child=body["child"],
                      applicant=body["applicant"], received_at=body["received_at"])  # fmt: skip

    assert response.status_code == 201, response.json()
    application = Application.objects.get()
    assert application.register_check == RegisterCheck.AWAITING
    assert (
        application.submitted_at.isoformat()
        == datetime.datetime.fromisoformat(body["received_at"]).isoformat()
    )
    assert application.child.guardianships.get().register_next_check_at == (
        application.registered_at + register_checks.FIRST_RETRY
    )
    assert application.registered_at >= started


def test_an_awaiting_api_application_is_withdrawn_when_the_register_later_contradicts_it(
    clock, gov_corp_client, settlement_a, fake_bus, person_register, settings
):
    body = submission(settlement_a)
    fake_bus.delay = settings.REGISTERS_TIMEOUT + 0.5
    assert submit(gov_corp_client, settlement_a, known=False, child=body["child"],
                  applicant=body["applicant"]).status_code == 201  # fmt: skip
    fake_bus.delay = 0
    close_all()

    clock.shift(register_checks.FIRST_RETRY.total_seconds())
    assert register_checks.recheck_due() == {"confirmed": 0, "refused": 1, "no_answer": 0}

    application = Application.objects.get()
    assert application.status == Status.WITHDRAWN
    assert application.register_check == RegisterCheck.REFUSED
