"""The portal's forms take only their fields (issue 6, item 4): a forged status, time or class is ignored."""

import datetime
from zoneinfo import ZoneInfo

import time_machine

from applications.choices import Status
from applications.models import Application
from queues.choices import BenefitClass
from queues.models import QueueEntry

NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))


def test_a_forged_status_time_and_class_in_the_apply_form_are_ignored(parent_client, child, settlement_a):
    with time_machine.travel(NOW, tick=False):
        parent_client.post(
            f"/cabinet/apply/?settlement={settlement_a.pk}",
            {
                "child": child.pk,
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
