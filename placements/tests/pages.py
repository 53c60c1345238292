"""What a parent does on the referral pages, for the page tests: sign in, press Get referral, read the SMS."""

from django.test import TestCase
from django.urls import reverse

from accounts.tests.helpers import code_sent_to
from bulletins.tests.factories import at, parent_of

#: The world of placements/tests/conftest.py: a bulletin published on Monday 14 December 2026 at 10:00,
#: G1 and G2 holding access through 18 December. The pages are looked at an hour later, on a clock that
#: ticks, so each SMS in the outbox is in order: ``pytest.mark.clock(AN_HOUR_LATER, tick=True)``.
AN_HOUR_LATER = at(14, 11)


def signed_in(client, application):
    """``client`` signed in as the parent who owns ``application``."""
    client.force_login(parent_of(application))
    return client


def places_url(application) -> str:
    return reverse("placements:places", args=[application.number])


def confirm_url(application) -> str:
    return reverse("placements:confirm", args=[application.number])


def press_get_referral(client, application, place):
    """Press **Get referral** beside ``place``: the response, and the code the SMS brought.

    The SMS leaves after the commit; inside a test's transaction it is sent on the spot.
    """
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(places_url(application), {"place": place.pk})
    return response, code_sent_to(application.applicant.phone)


def take_through_the_pages(client, application, place):
    """Press the button, type the code from the SMS; the response to the code."""
    _response, code = press_get_referral(client, application, place)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(confirm_url(application), {"code": code}, follow=True)
