"""A caller cannot set what only the rules decide (issue 6, item 4): status, times, class, position, number.

The serializers list the fields they accept; these tests send the rest anyway,
as an attacker would, and check that none of it reached the application.
"""

import datetime

from applications.choices import Status
from applications.models import Application
from core import clock
from queues.choices import BenefitClass
from queues.models import QueueEntry

from .conftest import submit

FORGED = {
    "status": "enrolled",
    "submitted_at": "2015-01-01T00:00:00+05:00",
    "registered_at": "2015-01-01T00:00:00+05:00",
    "benefit_class": "out_of_turn",
    "position": 1,
    "number": "0000000001",
    "channel": "portal",
}


def test_forged_fields_in_an_api_submission_change_nothing(gov_corp_client, settlement_a):
    received = (clock.now() - datetime.timedelta(hours=2)).replace(microsecond=0)

    response = submit(gov_corp_client, settlement_a, received_at=received.isoformat(), **FORGED)

    assert response.status_code == 201, response.json()
    application = Application.objects.get()
    assert application.number != FORGED["number"]
    assert application.status == Status.IN_QUEUE
    assert application.channel == "gov_corp"
    assert application.submitted_at == received
    assert application.registered_at > received
    entry = QueueEntry.objects.get(application=application)
    # The large-family certificate of the submission waits for its check: general until confirmed.
    assert entry.benefit_class == BenefitClass.GENERAL
    assert response.json()["positions"][0]["benefit_class"] == "general"


def test_a_forged_child_or_applicant_field_is_ignored(gov_corp_client, settlement_a):
    from .conftest import submission

    body = submission(settlement_a)
    body["child"]["id"] = 1
    body["child"]["special_needs_confirmed"] = True
    body["applicant"]["user"] = 1
    body["applicant"]["phone_confirmed"] = True

    response = submit(gov_corp_client, settlement_a, child=body["child"], applicant=body["applicant"])

    assert response.status_code == 201, response.json()
    application = Application.objects.get()
    assert application.applicant.user_id is None
