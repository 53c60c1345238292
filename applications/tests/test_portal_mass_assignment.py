"""The portal's forms take only their fields (issue 6, item 4): a forged status, time or class is ignored."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.choices import Role
from accounts.tests.factories import ApplicantFactory, UserFactory
from applications import services
from applications.choices import Status
from applications.models import Application
from applications.tests.factories import child_details
from queues.choices import BenefitClass
from queues.models import QueueEntry

NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))


@pytest.fixture
def signed_in(client, db):
    parent = ApplicantFactory(user=UserFactory(role=Role.PARENT))
    client.force_login(parent.user)
    client.child = services.add_child(applicant=parent, details=child_details(), actor=parent.user).child
    return client


def test_a_forged_status_time_and_class_in_the_apply_form_are_ignored(signed_in, settlement_a):
    with time_machine.travel(NOW, tick=False):
        signed_in.post(
            f"/cabinet/apply/?settlement={settlement_a.pk}",
            {
                "child": signed_in.child.pk,
                "relation": "mother",
                "preferred_language": "kk",
                "status": Status.ENROLLED,
                "submitted_at": "2015-01-01 00:00",
                "benefit_class": BenefitClass.OUT_OF_TURN,
                "position": "1",
                "channel": "education_department",
                "number": "0000000001",
            },
        )

    application = Application.objects.get()
    assert application.status == Status.IN_QUEUE
    assert application.submitted_at == NOW
    assert application.channel == "portal"
    assert application.number != "0000000001"
    assert QueueEntry.objects.get(application=application).benefit_class == BenefitClass.GENERAL
