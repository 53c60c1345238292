"""The cabinet tells the parent when a referral may be taken, and leads to the places and the referral."""

import pytest
import time_machine
from django.urls import reverse

from bulletins.tests.factories import at
from placements.tests.factories import take
from placements.tests.pages import AN_HOUR_LATER, places_url, signed_in

CABINET = reverse("applications:cabinet")


def detail_url(application) -> str:
    return reverse("applications:detail", args=[application.number])


pytestmark = [pytest.mark.clock(AN_HOUR_LATER, tick=True), pytest.mark.usefixtures("english_pages")]


@pytest.mark.usefixtures("clock")
def test_with_access_open_the_cabinet_says_until_when_and_links_the_places(client, waiting_four, place):
    g1 = waiting_four[0]
    signed_in(client, g1)

    for url in (CABINET, detail_url(g1)):
        page = client.get(url).content.decode()
        assert "You may take a referral until the end of 18.12.2026 (Almaty time)." in page
        assert places_url(g1) in page


@pytest.mark.usefixtures("clock")
def test_without_access_in_the_priority_window_there_is_nothing_to_take(client, waiting_four, place):
    g3 = waiting_four[2]
    page = signed_in(client, g3).get(detail_url(g3)).content.decode()
    assert "You may take a referral" not in page
    assert places_url(g3) not in page


def test_after_the_window_the_application_page_says_free_places_are_open_to_everyone(
    client, waiting_four, place
):
    g3 = waiting_four[2]
    with time_machine.travel(at(19, 9), tick=True):
        page = signed_in(client, g3).get(detail_url(g3)).content.decode()
    assert "open to everyone" in page
    assert places_url(g3) in page


@pytest.mark.usefixtures("clock")
def test_a_referral_is_linked_from_the_cabinet_and_the_application(client, waiting_four, place):
    g1 = waiting_four[0]
    referral = take(g1, place, now=AN_HOUR_LATER)
    signed_in(client, g1)
    referral_url = reverse("placements:referral", args=[referral.number])

    for url in (CABINET, detail_url(g1)):
        page = client.get(url).content.decode()
        assert (
            f"Referral {referral.display_number} to {referral.kindergarten.name}, valid through 22.12.2026"
            in (page)
        )
        assert referral_url in page
        assert "You may take a referral" not in page
    assert reverse("placements:referrals") in page  # the menu


@pytest.mark.usefixtures("clock")
def test_the_cabinet_reads_a_bounded_number_of_queries(
    client, waiting_four, place, django_assert_max_num_queries
):
    g1 = waiting_four[0]
    signed_in(client, g1)
    with django_assert_max_num_queries(15):
        client.get(CABINET)
