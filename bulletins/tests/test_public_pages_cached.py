"""The public bulletin and statistics pages served again from the cache (issue 11): a cached page is never
served once what it shows has changed, in either language, and serving it costs no query and one cache
round trip (its token and the page read together)."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bulletins import services
from bulletins.tests.factories import MONDAY_14_DECEMBER, at, group_in, parent_of, published_bulletin, waiting
from bulletins.tests.test_openings import cache_calls
from directory.tests.factories import KindergartenFactory
from placements import services as placement_services
from placements.tests.factories import take

pytestmark = [
    pytest.mark.clock(MONDAY_14_DECEMBER + datetime.timedelta(hours=1)),
    pytest.mark.usefixtures("clock", "shared_cache"),
]

FREE = {"kk": "Әлі бос", "ru": "Ещё свободно"}
LATER = MONDAY_14_DECEMBER + datetime.timedelta(hours=1)


@pytest.fixture(params=["kk", "ru"])
def language(request, client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = request.param
    return request.param


@pytest.fixture
def kindergarten(settlement_a):
    return KindergartenFactory(settlement=settlement_a, name_kk="«Балдырған» бөбекжайы")


@pytest.fixture
def children(settlement_a):
    return waiting(settlement_a, 3, first=at(2, month=11))


@pytest.fixture
def two_groups(kindergarten):
    return group_in(kindergarten, name="Күншуақ"), group_in(kindergarten, name="Балапан")


@pytest.fixture
def bulletin(specialist_a, two_groups, children):
    bulletin = published_bulletin(specialist_a, dict.fromkeys(two_groups, 1), now=MONDAY_14_DECEMBER)
    services.open_access(bulletin_id=bulletin.pk, now=MONDAY_14_DECEMBER)
    return bulletin


def free_by_group(client, settlement, language) -> dict[str, str]:
    """Each group's free places as the settlement's bulletin page shows them."""
    page = client.get(reverse("bulletins:public_settlement", args=[settlement.kato_code])).text
    assert FREE[language] in page
    shown = {}
    for name in ("Күншуақ", "Балапан"):
        row = page[page.index(name) :]
        start = row.index('<dd class="free">') + len('<dd class="free">')
        shown[name] = row[start : row.index("</dd>", start)]
    return shown


def place_of(bulletin, group):
    return bulletin.places.get(group=group)


def test_a_place_given_back_shows_at_once_even_where_the_sums_stay_the_same(
    client, language, settlement_a, bulletin, two_groups, children
):
    first, second = two_groups
    referral = take(children[0], place_of(bulletin, first), now=LATER)
    assert free_by_group(client, settlement_a, language) == {"Күншуақ": "0", "Балапан": "1"}

    take(children[1], place_of(bulletin, second), now=LATER)
    placement_services.decline_referral(referral=referral, actor=parent_of(children[0]), now=LATER)

    # One place taken in the bulletin before and after: only the log of places given back tells them apart.
    assert free_by_group(client, settlement_a, language) == {"Күншуақ": "1", "Балапан": "0"}


def test_the_country_page_shows_a_taken_place_at_once(client, language, settlement_a, bulletin, children):
    first_place = bulletin.places.order_by("pk").first()
    before = client.get(reverse("bulletins:public")).text
    take(children[0], first_place, now=LATER)

    after = client.get(reverse("bulletins:public")).text

    assert FREE[language] in after
    assert '<td class="figure">2</td><td class="figure">2</td>' in before
    assert '<td class="figure">2</td><td class="figure">1</td>' in after


@pytest.mark.parametrize("page", ["bulletins:public", "bulletins:statistics"])
def test_a_cached_page_costs_no_query_and_one_round_trip_however_many_bulletins(
    client, language, page, specialist_a, kindergarten, bulletin, django_assert_num_queries
):
    client.get(reverse(page))
    with django_assert_num_queries(0):
        client.get(reverse(page))
    for day in range(1, 4):
        group = group_in(kindergarten, name=f"Топ {day}")
        published_bulletin(specialist_a, {group: 3}, now=MONDAY_14_DECEMBER + datetime.timedelta(minutes=day))
    client.get(reverse(page))
    before = cache_calls()

    with django_assert_num_queries(0):
        client.get(reverse(page))

    assert cache_calls() == before + 1


def test_the_country_page_lists_a_bulletin_the_moment_it_is_published(
    client, language, specialist_a, kindergarten, bulletin
):
    client.get(reverse("bulletins:public"))
    later = published_bulletin(
        specialist_a,
        {group_in(kindergarten, name="Жаңа"): 2},
        now=MONDAY_14_DECEMBER + datetime.timedelta(minutes=5),
    )

    assert f'id="bulletin-{later.pk}"' in client.get(reverse("bulletins:public")).text


def test_a_place_withdrawn_shows_at_once(client, language, settlement_a, specialist_a, bulletin, two_groups):
    assert free_by_group(client, settlement_a, language) == {"Күншуақ": "1", "Балапан": "1"}

    services.withdraw_place(place=place_of(bulletin, two_groups[0]), actor=specialist_a, now=LATER)

    assert free_by_group(client, settlement_a, language) == {"Күншуақ": "0", "Балапан": "1"}


def test_a_kept_page_shows_the_priority_window_ended_at_midnight(
    client, language, clock, settlement_a, bulletin
):
    paths = [
        reverse("bulletins:public"),
        reverse("bulletins:public_settlement", args=[settlement_a.kato_code]),
    ]
    for path in paths:
        assert 'class="phase phase-priority"' in client.get(path).text

    clock.move_to(bulletin.priority_until)  # midnight Asia/Almaty: nothing was written

    for path in paths:
        page = client.get(path).text
        assert 'class="phase phase-open"' in page
        assert 'class="phase phase-priority"' not in page


def test_the_statistics_page_lists_a_settlement_the_moment_its_first_bulletin_is_published(
    client, language, settlement_b, specialist_b, bulletin
):
    name = {"kk": settlement_b.name_kk, "ru": settlement_b.name_ru}[language]
    assert name not in client.get(reverse("bulletins:statistics")).text
    group = group_in(KindergartenFactory(settlement=settlement_b))
    published_bulletin(specialist_b, {group: 1}, now=MONDAY_14_DECEMBER + datetime.timedelta(minutes=5))

    assert name in client.get(reverse("bulletins:statistics")).text


def test_a_page_number_past_the_last_leads_to_the_last_page_and_keeps_no_copy_of_it(
    client, language, bulletin, django_assert_num_queries
):
    first = client.get(reverse("bulletins:public")).text

    far = client.get(reverse("bulletins:public"), {"page": 40})
    again = client.get(reverse("bulletins:public"), {"page": 40})

    assert far.status_code == again.status_code == 302
    assert far["Location"] == reverse("bulletins:public") + "?page=1"
    with django_assert_num_queries(0):
        assert client.get(far["Location"]).text == first


def test_while_redis_is_unreachable_a_page_is_rendered_each_time(
    settings, request, client, language, bulletin
):
    """Each process's memory then holds its own token, which a write in another process cannot delete."""
    location = f"redis://127.0.0.1:1/{request.node.name}"  # a closed port
    settings.CACHES = {"default": {"BACKEND": "core.cache.FallbackRedisCache", "LOCATION": location}}
    client.get(
        reverse("bulletins:public")
    )  # finds Redis down: from now on the cache is this process's memory

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("bulletins:public")).text

    assert queries
    assert FREE[language] in page
