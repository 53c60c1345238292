"""The public bulletin pages (issue 13): every place a parent is told to study, and nothing personal."""

import datetime

import pytest
from django.urls import reverse

from bulletins import services
from bulletins.tests.factories import MONDAY_14_DECEMBER, at, group_in, published_bulletin, waiting
from directory.choices import GroupLanguage, KindergartenKind
from directory.tests.factories import KindergartenFactory
from placements.tests.factories import take

pytestmark = [
    pytest.mark.clock(MONDAY_14_DECEMBER + datetime.timedelta(hours=1)),
    pytest.mark.usefixtures("clock"),
]


@pytest.fixture
def kindergarten(settlement_a):
    return KindergartenFactory(
        settlement=settlement_a, name_kk="«Балдырған» бөбекжайы", address="Абай даңғылы, 12"
    )


@pytest.fixture
def children(settlement_a):
    return waiting(settlement_a, 3, first=at(2, month=11))


@pytest.fixture
def bulletin(specialist_a, kindergarten, children):
    group = group_in(kindergarten, name="Күншуақ", language=GroupLanguage.KAZAKH)
    bulletin = published_bulletin(specialist_a, {group: 2}, now=MONDAY_14_DECEMBER)
    services.open_access(bulletin_id=bulletin.pk, now=MONDAY_14_DECEMBER)
    return bulletin


def settlement_page(client, settlement):
    return client.get(reverse("bulletins:public_settlement", args=[settlement.kato_code]))


def test_a_settlement_page_lists_each_place_with_what_a_parent_compares(client, settlement_a, bulletin):
    page = settlement_page(client, settlement_a).content.decode()
    for shown in (
        "«Балдырған» бөбекжайы",
        "Абай даңғылы, 12",
        "Күншуақ",
        "2022",
        "Қазақ тілі",
        f"№ {bulletin.pk}",
    ):
        assert shown in page
    assert "Басымдықпен кіру" in page, "the priority window is named while it runs"


def test_no_child_or_parent_data_is_shown(client, settlement_a, bulletin, children):
    page = (
        settlement_page(client, settlement_a).content.decode()
        + client.get(reverse("bulletins:public")).content.decode()
    )
    for application in children:
        for personal in (
            application.child.iin,
            application.child.surname,
            application.applicant.surname,
            application.number,
        ):
            assert personal not in page


def test_newest_bulletin_first_and_a_taken_place_shows_at_once_on_a_cached_page(
    client, shared_cache, settlement_a, specialist_a, kindergarten, bulletin, children, clock
):
    newer_group = group_in(kindergarten, name="Балапан", birth_year=2022, kind=KindergartenKind.GENERAL)
    newer = published_bulletin(
        specialist_a, {newer_group: 1}, now=MONDAY_14_DECEMBER + datetime.timedelta(minutes=30)
    )
    page = settlement_page(client, settlement_a).content.decode()
    assert page.index(f"№ {newer.pk}") < page.index(f"№ {bulletin.pk}")

    take(children[0], bulletin.places.get(), now=MONDAY_14_DECEMBER + datetime.timedelta(hours=1))
    page = settlement_page(client, settlement_a).content.decode()
    assert '<dd class="free">1</dd>' in page, "the cached page is keyed by the places' counters"


def test_after_the_window_the_places_are_open_to_everyone(client, settlement_a, bulletin, clock):
    clock.move_to(bulletin.priority_until + datetime.timedelta(minutes=1))
    page = settlement_page(client, settlement_a).content.decode()
    assert "Кезектегі барлығына ашық" in page


def test_the_country_page_leads_to_each_settlement_of_a_bulletin(client, settlement_a, bulletin):
    response = client.get(reverse("bulletins:public"))
    assert response.status_code == 200
    assert reverse("bulletins:public_settlement", args=[settlement_a.kato_code]) in response.content.decode()


def test_the_settlement_front_page_links_to_its_bulletins(client, settlement_a):
    page = client.get(reverse("areas:settlement", args=[settlement_a.kato_code])).content.decode()
    assert reverse("bulletins:public_settlement", args=[settlement_a.kato_code]) in page
