"""Taking a referral as a parent does: ask for a code, read it from the SMS, press the button."""

import datetime

from django.test import TestCase

from accounts.models import CodePurpose
from accounts.services import request_code
from accounts.tests.helpers import code_sent_to
from bulletins.tests.factories import parent_of
from placements import services


def code_for(application, *, now: datetime.datetime) -> tuple:
    """A fresh one-time code for taking a referral, sent to the applicant's phone: (code id, code)."""
    applicant = application.applicant
    # The SMS leaves after the commit: inside a test's transaction, run it on the spot.
    with TestCase.captureOnCommitCallbacks(execute=True):
        row = request_code(
            iin=applicant.iin,
            phone=applicant.phone,
            purpose=CodePurpose.TAKE_REFERRAL,
            client_ip=None,
            now=now,
        )
    return row.pk, code_sent_to(applicant.phone)


def take(application, place, *, now: datetime.datetime, actor=None):
    """The owner parent takes ``place`` for ``application`` with a fresh code."""
    code_id, code = code_for(application, now=now)
    return services.take_referral(
        application=application,
        place=place,
        actor=actor or parent_of(application),
        code_id=code_id,
        code=code,
        now=now,
    )
