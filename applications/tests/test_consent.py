"""No child's data is registered on paper or through the API without the applicant's signed consent."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.forms import CONSENT_VERSION
from accounts.models import Applicant
from applications.choices import Channel
from applications.models import Application
from applications.tests.factories import submit
from applications.tests.test_admin import paper_form_data
from audit.models import AuditEvent
from core import clock

pytestmark = pytest.mark.usefixtures("english_pages")

RECEIVED = datetime.datetime(2026, 3, 10, 5, 30, tzinfo=datetime.UTC)  # 10:30 in Almaty


def test_a_paper_application_without_the_consent_box_is_not_registered(client, specialist_a, settlement_a):
    client.force_login(specialist_a)
    data = paper_form_data(settlement_a)
    del data["consent"]

    with time_machine.travel(RECEIVED + datetime.timedelta(hours=1)):
        response = client.post(reverse("admin:applications_application_add"), data)

    assert response.status_code == 200
    assert "Confirm that the applicant signed the consent." in response.text
    assert not Application.objects.exists()
    assert not Applicant.objects.exists()


def test_a_paper_application_records_the_consent_version_and_time(client, specialist_a, settlement_a):
    client.force_login(specialist_a)

    with time_machine.travel(RECEIVED + datetime.timedelta(hours=1)):
        response = client.post(reverse("admin:applications_application_add"), paper_form_data(settlement_a))

    assert response.status_code == 302
    application = Application.objects.get()
    assert application.applicant.consent_version == CONSENT_VERSION
    assert application.applicant.consented_at == RECEIVED
    event = AuditEvent.objects.get(action="application.submitted")
    assert event.details["consent_version"] == CONSENT_VERSION


def test_the_service_refuses_a_staff_channel_without_consent(settlement_a, specialist_a):
    with pytest.raises(ValidationError) as refusal:
        submit(
            settlement_a,
            actor=specialist_a,
            channel=Channel.EDUCATION_DEPARTMENT,
            received_at=clock.now(),
            consent_version="",
        )

    assert "consent" in refusal.value.message_dict
    assert not Application.objects.exists()
