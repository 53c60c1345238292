"""The document limit holds when uploads arrive at once (docs/security.md, "Uploads").

Real threads, each with its own database connection, against PostgreSQL; the
application is committed first, so every thread counts the same documents.
"""

import datetime
import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import translation

from applications import services
from applications.choices import BenefitCategory
from applications.errors import InvalidDocument
from applications.tests.factories import child_details, document, submit

UPLOADS_AT_ONCE = 6
TODAY = datetime.date(2026, 3, 12)
NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db(transaction=True)
def test_uploads_at_once_to_an_application_one_short_of_the_limit_add_exactly_one(settlement_a, parent):
    application = submit(
        settlement_a,
        actor=parent.user,
        applicant=services.ApplicantDetails(
            iin=parent.iin, surname=parent.surname, name=parent.name, phone=parent.phone
        ),
        child=child_details(),
        documents=[document(BenefitCategory.ORPHAN, issued_on=TODAY) for _number in range(9)],
        now=NOW,
    )
    barrier = threading.Barrier(UPLOADS_AT_ONCE)
    outcomes, lock = [], threading.Lock()

    def upload():
        # A thread starts in the default language: the refusals are read in English, the message ids.
        translation.activate("en")
        try:
            barrier.wait()
            services.add_benefit_document(
                application=application,
                upload=document(BenefitCategory.LARGE_FAMILY, issued_on=TODAY),
                actor=parent.user,
                now=NOW,
            )
            outcome = "added"
        except InvalidDocument as refusal:
            outcome = str(refusal.message)
        except Exception as error:  # any other outcome fails the assertion below, by name
            outcome = repr(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=upload) for _number in range(UPLOADS_AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    refused = (
        "An application holds at most 10 documents. If one must be replaced, contact the education "
        "department."
    )
    assert Counter(outcomes) == {"added": 1, refused: UPLOADS_AT_ONCE - 1}
    assert application.benefit_documents.count() == 10
