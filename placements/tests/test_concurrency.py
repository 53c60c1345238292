"""No place is ever given twice: fifty parents press Get referral at once for three places (RULES.md 5).

Real threads, each with its own database connection, against PostgreSQL; the
data is committed first, so every thread sees it and races for the same row.
"""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import translation

from applications.choices import Status
from applications.models import Application
from bulletins.models import BulletinPlace
from bulletins.tests.factories import at, parent_of, published_bulletin, waiting
from placements import services
from placements.errors import PlaceAlreadyTaken
from placements.models import Referral
from placements.tests.factories import code_for

PARENTS = 50
PLACES = 3
# Monday 21 December 2026: the bulletin of 14 December is open to everyone in the queue.
RUSH = at(21, 9)


@pytest.mark.django_db(transaction=True)
def test_fifty_parents_racing_for_three_places_get_exactly_three_referrals(
    settlement_a, specialist_a, kindergarten_a, monkeypatch
):
    from bulletins import tasks as bulletin_tasks
    from bulletins.tests.factories import group_in

    monkeypatch.setattr(bulletin_tasks.open_access, "apply_async", lambda *args, **kwargs: None)
    applications = waiting(settlement_a, PARENTS, first=at(2, month=11))
    group = group_in(kindergarten_a)
    place = published_bulletin(specialist_a, {group: PLACES}, now=at(14)).places.get()
    pressing = [
        (application, parent_of(application), *code_for(application, now=RUSH))
        for application in applications
    ]

    barrier = threading.Barrier(PARENTS)
    outcomes, lock = [], threading.Lock()

    def press(application, parent, code_id, code):
        try:
            barrier.wait()
            with translation.override("en"):
                services.take_referral(
                    application=application, place=place, actor=parent, code_id=code_id, code=code, now=RUSH
                )
            outcome = "referral"
        except PlaceAlreadyTaken as refusal:
            with translation.override("en"):
                outcome = str(refusal)
        except Exception as error:  # any other outcome fails the assertion below, by name
            outcome = repr(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=press, args=args) for args in pressing]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(outcomes) == {
        "referral": PLACES,
        "This place has just been taken. Choose another place or try again later.": PARENTS - PLACES,
    }
    place = BulletinPlace.objects.get(pk=place.pk)
    assert (place.taken, place.withdrawn, place.free) == (PLACES, 0, 0)
    assert Referral.objects.filter(place=place).count() == PLACES
    assert Application.objects.filter(status=Status.REFERRAL_ISSUED).count() == PLACES
    assert Application.objects.filter(status=Status.IN_QUEUE).count() == PARENTS - PLACES
