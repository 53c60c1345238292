"""Figures for staff on the admin's index: each district in scope side by side, counted as the public
statistics count, never another district's (issue 14 item 2; issue 13 item 2)."""

import pytest
from django.urls import reverse

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from bulletins.tests.factories import at, waiting
from placements.tests.factories import take

pytestmark = [pytest.mark.usefixtures("english_pages", "clock"), pytest.mark.clock(at(22, 9))]


def figures_of(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    (section,) = [s for s in response.context["sections"] if s["template"] == "admin/placements/figures.html"]
    return response, section


@pytest.fixture
def given(place, waiting_four):
    return take(waiting_four[0], place, now=at(14, 11))


def test_a_specialist_sees_the_queue_and_the_places_given_of_their_district(client, given, specialist_a):
    response, section = figures_of(client, specialist_a)
    (district,) = section["figures"]
    assert district.district == specialist_a.districts.get()
    assert district.waiting == 4  # a referral keeps its child in the queue until enrolment
    assert district.given == 1
    assert district.given_chart.rows[-1] == ("12.2026", [1])
    assert district.length_chart.rows[-2] == ("11.2026", [0, 0, 4])  # at the end of November, all general
    page = response.content.decode()
    assert page.count('<svg role="img"') == 2
    assert "Алмалы ауданы: places given" in page


def test_the_department_head_sees_every_district_side_by_side(
    client, given, district_a, district_b, settlement_b
):
    waiting(settlement_b, 2, first=at(3, month=11))
    head = UserFactory(role=Role.SPECIALIST, is_staff=True, districts=[district_a, district_b])
    response, section = figures_of(client, head)
    assert [(item.district, item.waiting, item.given) for item in section["figures"]] == [
        (district_a, 4, 1),
        (district_b, 2, 0),
    ]
    assert response.content.decode().count('<svg role="img"') == 4


def test_another_district_sees_none_of_district_a(client, given, specialist_b):
    _response, section = figures_of(client, specialist_b)
    (district,) = section["figures"]
    assert (district.district, district.waiting, district.given) == (specialist_b.districts.get(), 0, 0)


def test_the_figures_are_in_kazakh_and_russian(client, given, specialist_a, settings):
    settings.LANGUAGE_CODE = "kk"
    for language, words in (("kk", "Аудандар бойынша кезектер"), ("ru", "Очереди и выданные места")):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response, _section = figures_of(client, specialist_a)
        assert words in response.content.decode()
