"""The public front pages: region, district, settlement, the search; figures never counted per visit."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import ApplicantFactory, UserFactory
from applications.tests.factories import submit
from directory.tests.factories import DistrictFactory, KindergartenFactory, SettlementFactory
from queues import summary

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

NOON = datetime.datetime(2026, 12, 7, 9, 30, tzinfo=datetime.UTC)  # 14:30 in Asia/Almaty


def grow(district, settlements: int, children: int) -> None:
    """More settlements in ``district`` and in a new region, more kindergartens and children waiting."""
    elsewhere = DistrictFactory(kato_code=f"{11 + settlements:02d}1000000")
    for index in range(settlements):
        settlement = SettlementFactory(district=district if index % 2 else elsewhere)
        KindergartenFactory(settlement=settlement)
        for _ in range(children):
            submit(settlement)
    summary.refresh(now=NOON)


def queries_of(django_assert_max_num_queries, client, url) -> list[str]:
    with django_assert_max_num_queries(20) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("page", ["home", "region", "district", "settlement"])
def test_a_page_makes_as_many_queries_in_a_big_country_as_in_a_small_one(
    page, client, settlement_a, django_assert_max_num_queries
):
    district = settlement_a.district
    url = {
        "home": reverse("home"),
        "region": reverse("areas:region", args=[district.region.kato_code]),
        "district": reverse("areas:district", args=[district.kato_code]),
        "settlement": reverse("areas:settlement", args=[settlement_a.kato_code]),
    }[page]
    submit(settlement_a)
    summary.refresh(now=NOON)
    client.get(reverse("bulletins:openings"))  # the log of openings' head, read once and then cached
    small = queries_of(django_assert_max_num_queries, client, url)

    grow(district, settlements=6, children=2)
    big = queries_of(django_assert_max_num_queries, client, url)

    assert len(big) == len(small) <= 5
    assert not [sql for sql in big if "queues_queueentry" in sql], "no page counts queue entries"


def test_the_front_page_makes_two_queries(client, settlement_a, django_assert_num_queries):
    summary.refresh(now=NOON)
    client.get(reverse("bulletins:openings"))  # the log of openings' head, read once and then cached

    with django_assert_num_queries(2):
        client.get(reverse("home"))


def test_the_front_page_shows_regions_with_figures_and_how_fresh_they_are(client, settlement_a):
    KindergartenFactory(settlement=settlement_a)
    submit(settlement_a)
    submit(settlement_a)
    summary.refresh(now=NOON)

    page = client.get(reverse("home")).text

    region = settlement_a.district.region
    assert reverse("areas:region", args=[region.kato_code]) in page
    assert region.name_kk in page
    assert '<td class="figure">1</td><td class="figure">2</td>' in page
    assert "Figures as of 07.12.2026 14:30" in page


def test_before_the_first_count_the_page_says_the_figures_are_coming(client, settlement_a):
    page = client.get(reverse("home")).text

    assert "The figures are being counted" in page
    assert settlement_a.district.region.name_kk in page


def test_a_region_lists_its_districts_and_a_district_its_settlements(client, settlement_a, settlement_b):
    summary.refresh(now=NOON)
    region = settlement_a.district.region

    region_page = client.get(reverse("areas:region", args=[region.kato_code])).text
    district_page = client.get(reverse("areas:district", args=[settlement_a.district.kato_code])).text

    assert "Алмалы ауданы" in region_page
    assert "Бостандық ауданы" in region_page
    assert reverse("areas:settlement", args=[settlement_a.kato_code]) in district_page
    assert settlement_b.name_kk not in district_page
    assert region.name_kk in district_page, "the path back to the region"


def test_a_long_district_is_shown_a_page_at_a_time(client, district_a):
    for number in range(51):
        SettlementFactory(district=district_a, name_kk=f"Ауыл {number:02d}")
    url = reverse("areas:district", args=[district_a.kato_code])

    first = client.get(url).text
    second = client.get(url, {"page": "2"}).text
    nonsense = client.get(url, {"page": "'; DROP TABLE"})

    assert "Ауыл 00" in first
    assert "Ауыл 50" not in first
    assert "Ауыл 50" in second
    assert "Page 2 of 2" in second
    assert nonsense.status_code == 200


def test_a_settlement_page_lists_its_kindergartens(client, settlement_a):
    KindergartenFactory(settlement=settlement_a, name_kk="«Балдырған» бөбекжай-бақшасы")
    summary.refresh(now=NOON)

    page = client.get(reverse("areas:settlement", args=[settlement_a.kato_code])).text

    assert "«Балдырған» бөбекжай-бақшасы" in page
    assert reverse("areas:district", args=[settlement_a.district.kato_code]) in page


def test_an_unknown_area_is_not_found(client, db):
    assert client.get(reverse("areas:region", args=["990000000"])).status_code == 404
    assert client.get("/districts/75'--/").status_code == 404


# --- the search ------------------------------------------------------------------------------


@pytest.fixture
def konaev(db):
    return SettlementFactory(
        district=DistrictFactory(kato_code="191600000"),
        kato_code="191610000",
        name_kk="Қонаев",
        name_ru="Конаев",
    )


@pytest.mark.parametrize("query", ["Қонаев", "қона", "Конаев", "КОНА"])
def test_the_search_finds_a_settlement_by_its_kazakh_or_russian_name(client, konaev, settlement_a, query):
    page = client.get(reverse("home"), {"q": query}).text

    assert reverse("areas:settlement", args=[konaev.kato_code]) in page
    assert reverse("areas:settlement", args=[settlement_a.kato_code]) not in page
    assert "Алматы облысы" in page, "the region beside the settlement"


def test_the_search_says_when_nothing_matches(client, konaev):
    page = client.get(reverse("home"), {"q": "Атлантида"}).text

    assert "No settlement matches" in page


@pytest.mark.parametrize(
    "query", ["' OR 1=1 --", "%", "_", "\\", "<script>alert(1)</script>", "Қонаев\x00", "я" * 1000]
)
def test_the_search_answers_hostile_input_calmly(client, konaev, query):
    response = client.get(reverse("home"), {"q": query})

    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert reverse("areas:settlement", args=[konaev.kato_code]) not in response.text


def test_a_query_too_long_for_a_name_is_refused_with_a_message(client, konaev):
    page = client.get(reverse("home"), {"q": "я" * 1000}).text

    assert "Ensure this value has at most 100 characters" in page


# --- served again from the cache until the figures are counted anew (issue 11) ------------------


def visit(client, url, **query) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
    assert response.status_code == 200
    return response.text, len(queries.captured_queries)


@pytest.mark.usefixtures("shared_cache")
def test_a_second_visit_of_the_front_page_is_served_without_a_query(client, settlement_a):
    summary.refresh(now=NOON)
    first, _ = visit(client, reverse("home"))

    again, queries = visit(client, reverse("home"))

    assert again == first
    assert queries == 0


@pytest.mark.usefixtures("shared_cache")
def test_new_figures_are_shown_as_soon_as_they_are_counted(client, settlement_a):
    summary.refresh(now=NOON)
    url = reverse("areas:settlement", args=[settlement_a.kato_code])
    before, _ = visit(client, url)
    submit(settlement_a)
    submit(settlement_a)

    summary.refresh(now=NOON + datetime.timedelta(minutes=10))
    after, _ = visit(client, url)

    assert "Figures as of 07.12.2026 14:30" in before
    assert "Figures as of 07.12.2026 14:40" in after
    assert "<dt>Children waiting</dt><dd>2</dd>" in after


@pytest.mark.usefixtures("shared_cache")
def test_a_page_number_spelt_another_way_is_the_same_cached_page(client, district_a):
    summary.refresh(now=NOON)
    url = reverse("areas:district", args=[district_a.kato_code])
    first, _ = visit(client, url)

    for spelling in ["1", "01", "nonsense", "-3"]:
        page, queries = visit(client, url, page=spelling)
        assert (page, queries) == (first, 0), spelling


@pytest.mark.usefixtures("shared_cache")
def test_a_search_is_answered_afresh_every_time(client, settlement_a):
    summary.refresh(now=NOON)
    visit(client, reverse("home"), q=settlement_a.name_kk)

    _, queries = visit(client, reverse("home"), q=settlement_a.name_kk)

    assert queries > 0


@pytest.mark.usefixtures("shared_cache")
def test_a_signed_in_parent_gets_their_own_menu_not_the_cached_front_page(client, settlement_a):
    summary.refresh(now=NOON)
    visit(client, reverse("home"))
    client.force_login(
        ApplicantFactory(user=UserFactory()).user, backend="accounts.backends.OneTimeCodeBackend"
    )

    page, _ = visit(client, reverse("home"))

    assert "Sign out" in page
