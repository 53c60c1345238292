"""Places for a child: the free places of its queues by kindergarten, with Get referral where allowed."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bulletins.tests.factories import group_in, parent_of, published_bulletin
from directory.choices import GroupLanguage
from directory.tests.factories import KindergartenFactory
from placements.tests.pages import AN_HOUR_LATER, places_url, signed_in

pytestmark = [pytest.mark.clock(AN_HOUR_LATER, tick=True), pytest.mark.usefixtures("clock", "english_pages")]


def test_the_parent_with_access_sees_the_places_with_get_referral(client, waiting_four, place):
    g1 = waiting_four[0]
    response = signed_in(client, g1).get(places_url(g1))

    assert response.status_code == 200
    page = response.content.decode()
    kindergarten = place.group.kindergarten
    assert kindergarten.name in page
    assert kindergarten.address in page
    assert place.group.name in page
    assert "Kazakh" in page  # the group's language
    assert "Get referral" in page
    assert f'name="place" value="{place.pk}"' in page
    assert "through 18.12.2026" in page
    assert "Doing nothing keeps your position" in page
    assert "The service is free" in page
    assert "no-store" in response.headers["Cache-Control"]


def test_places_are_grouped_by_kindergarten(client, waiting_four, place, specialist_a, settlement_a):
    g1 = waiting_four[0]
    other = KindergartenFactory(settlement=settlement_a, name_kk="Ақбота", address="Сейфуллин көшесі, 5")
    group_in(other, name="Күншуақ", language=GroupLanguage.RUSSIAN)
    second = group_in(other, name="Балапан", language=GroupLanguage.MIXED)
    bulletin = published_bulletin(specialist_a, {second: 1}, now=place.bulletin.published_at)

    page = signed_in(client, g1).get(places_url(g1)).content.decode()

    assert page.count('class="card kindergarten-places"') == 2
    assert "Сейфуллин көшесі, 5" in page
    assert "Балапан" in page
    assert "Mixed" in page
    assert "Күншуақ" not in page  # a group without free places is not offered
    # G1's access is to the first bulletin; the second one's priority window is still running.
    assert bulletin.places.get().pk not in _buttons(page)


def test_a_parent_without_access_sees_why_and_no_button(client, waiting_four, place):
    g3 = waiting_four[2]
    page = signed_in(client, g3).get(places_url(g3)).content.decode()

    assert place.group.name in page
    assert 'name="place"' not in page
    assert "offered first to the applicants at the head of the queue" in page
    assert "Doing nothing keeps your position" in page


def test_no_places_says_so(client, waiting_four):
    g1 = waiting_four[0]
    page = signed_in(client, g1).get(places_url(g1)).content.decode()
    assert "There are no free places in your child's queues right now" in page


def test_another_parents_application_is_not_found(client, waiting_four, place):
    g1, g2 = waiting_four[:2]
    client.force_login(parent_of(g2))
    assert client.get(places_url(g1)).status_code == 404
    assert client.post(places_url(g1), {"place": place.pk}).status_code == 404


def test_a_visitor_is_sent_to_sign_in(client, waiting_four, place):
    response = client.get(places_url(waiting_four[0]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign_in"))


@pytest.mark.parametrize("who", ["specialist", "superuser"])
def test_staff_are_refused(who, client, waiting_four, place, specialist_a, superuser):
    client.force_login({"specialist": specialist_a, "superuser": superuser}[who])
    g1 = waiting_four[0]
    assert client.get(places_url(g1)).status_code == 403
    assert client.post(places_url(g1), {"place": place.pk}).status_code == 403


def _buttons(page: str) -> set[int]:
    return {int(value) for value in re.findall(r'name="place" value="(\d+)"', page)}


def test_the_places_page_reads_the_same_whatever_the_number_of_places(
    client, waiting_four, place, specialist_a, settlement_a, django_assert_num_queries
):
    g1 = waiting_four[0]
    signed_in(client, g1).get(places_url(g1))  # the session's first stamps are written once
    with CaptureQueriesContext(connection) as one_place:
        client.get(places_url(g1))
    for _ in range(4):
        kindergarten = KindergartenFactory(settlement=settlement_a)
        published_bulletin(specialist_a, {group_in(kindergarten): 1}, now=place.bulletin.published_at)

    with django_assert_num_queries(len(one_place)):
        page = client.get(places_url(g1)).content.decode()

    assert page.count('class="card kindergarten-places"') == 5
