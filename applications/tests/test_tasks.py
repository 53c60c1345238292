import datetime
import zoneinfo

import time_machine

from applications import services, tasks
from applications.tests.factories import document, submit
from queues.choices import BenefitClass
from queues.models import QueueEntry

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")


def test_the_nightly_job_lowers_an_expired_benefit(settlement_a, second_specialist_a):
    confirmed_at = datetime.datetime(2026, 11, 2, 10, tzinfo=ALMATY)
    uploads = [document("orphan", datetime.date(2026, 11, 1))]
    application = submit(settlement_a, documents=uploads, now=confirmed_at)
    services.confirm_benefit(
        document=application.benefit_documents.get(),
        actor=second_specialist_a,
        valid_until=datetime.date(2026, 11, 30),
        now=confirmed_at,
    )
    with time_machine.travel(datetime.datetime(2026, 12, 1, 0, 5, tzinfo=ALMATY), tick=False):
        assert tasks.expire_benefits.apply().get() == 1
    assert QueueEntry.objects.get(application=application).benefit_class == BenefitClass.GENERAL
