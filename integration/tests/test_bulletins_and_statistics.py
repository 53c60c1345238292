"""Bulletins and places (read) and statistics per settlement and birth year (issue 5, item 5)."""

import datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from bulletins import services as bulletin_services
from bulletins.tests.factories import MONDAY_14_DECEMBER, at, group_in, published_bulletin, waiting
from placements.choices import ReferralStatus
from placements.models import Referral
from placements.tests.factories import take


@pytest.fixture
def group(kindergarten_a):
    return group_in(kindergarten_a, name="Балапан", language="kk")


@pytest.fixture
def waiting_three(settlement_a):
    return waiting(settlement_a, 3, first=at(2, month=11))


@pytest.fixture
def bulletin(waiting_three, specialist_a, group):
    """Two places published on Monday 14 December 2026; the first two children hold access."""
    bulletin = published_bulletin(specialist_a, {group: 2}, now=MONDAY_14_DECEMBER)
    bulletin_services.open_access(bulletin_id=bulletin.pk, now=MONDAY_14_DECEMBER)
    return bulletin


@pytest.fixture
def one_taken(bulletin, waiting_three, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return take(
            waiting_three[0], bulletin.places.get(), now=MONDAY_14_DECEMBER + datetime.timedelta(hours=1)
        )


def bulletins_url(settlement, public=False, query=""):
    prefix = "/api/v1/public" if public else "/api/v1"
    return f"{prefix}/bulletins/?settlement={settlement.kato_code}{query}"


def statistics_url(settlement, year=2022):
    return f"/api/v1/statistics/{settlement.kato_code}/{year}/"


# --- Bulletins ---------------------------------------------------------------------------------


def test_a_department_reads_its_published_bulletins_with_places(department_client, settlement_a, one_taken):
    bulletin = one_taken.place.bulletin
    response = department_client.get(bulletins_url(settlement_a))
    assert response.status_code == 200
    body = response.json()
    assert (body["settlement"], body["total"], body["offset"], body["limit"]) == (
        settlement_a.kato_code,
        1,
        0,
        20,
    )
    [result] = body["results"]
    assert result["id"] == bulletin.pk
    kindergarten = one_taken.kindergarten
    assert result["places"] == [
        {
            "kindergarten": kindergarten.name_kk,
            "address": kindergarten.address,
            "group": "Балапан",
            "birth_year": 2022,
            "language": "kk",
            "kind": "general",
            "places": 2,
            "free": 1,
        }
    ]


def test_a_draft_bulletin_is_not_listed(department_client, settlement_a, specialist_a, group, waiting_three):
    draft = bulletin_services.create_bulletin(
        district=specialist_a.districts.first(), actor=specialist_a, now=MONDAY_14_DECEMBER
    )
    bulletin_services.add_place(
        bulletin=draft, group=group, places=1, actor=specialist_a, now=MONDAY_14_DECEMBER
    )
    body = department_client.get(bulletins_url(settlement_a)).json()
    assert (body["total"], body["results"]) == (0, [])


def test_a_department_gets_404_for_another_districts_bulletins(department_client, settlement_b):
    response = department_client.get(bulletins_url(settlement_b))
    assert response.status_code == 404
    assert response.json()["error"]["code"]


def test_the_call_centre_reads_any_settlements_bulletins(call_centre_client, settlement_a, bulletin):
    response = call_centre_client.get(bulletins_url(settlement_a))
    assert response.status_code == 200
    assert response.json()["total"] == 1


def test_a_service_centre_may_not_read_bulletins(gov_corp_client, settlement_a, bulletin):
    assert gov_corp_client.get(bulletins_url(settlement_a)).status_code == 403


def test_bulletins_need_a_token(settlement_a, bulletin):
    assert APIClient().get(bulletins_url(settlement_a)).status_code == 401


def test_the_settlement_is_required_and_an_unknown_one_is_404(department_client, settlement_a):
    response = department_client.get("/api/v1/bulletins/")
    assert response.status_code == 400
    assert "settlement" in response.json()["error"]["fields"]
    assert department_client.get("/api/v1/bulletins/?settlement=999999999").status_code == 404


def test_the_public_list_needs_no_token_and_names_no_child(settlement_a, settlement_b, one_taken):
    response = APIClient().get(bulletins_url(settlement_a, public=True))
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    assert [(p["places"], p["free"]) for p in body["results"][0]["places"]] == [(2, 1)]
    text = response.content.decode()
    child = one_taken.child
    for private in (child.iin, child.surname, one_taken.number, one_taken.application.number):
        assert private not in text
    # Any settlement, and no district leaks in from another settlement.
    assert APIClient().get(bulletins_url(settlement_b, public=True)).json()["total"] == 0


def test_the_public_list_is_throttled_per_address(settings, settlement_a):
    settings.INTEGRATION_API_RATE = "2/min"
    client = APIClient()
    assert [client.get(bulletins_url(settlement_a, public=True)).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    response = client.get(bulletins_url(settlement_a, public=True))
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_the_bulletin_list_is_paged(department_client, settlement_a, bulletin):
    body = department_client.get(bulletins_url(settlement_a, query="&offset=1&limit=5")).json()
    assert (body["total"], body["results"]) == (1, [])
    assert department_client.get(bulletins_url(settlement_a, query="&limit=101")).status_code == 400


# --- Statistics --------------------------------------------------------------------------------


def kinds(body) -> dict:
    return {row["kind"]: row for row in body["queues"]}


def test_statistics_give_queue_lengths_by_class_and_places_given(department_client, settlement_a, one_taken):
    with time_machine.travel(at(20), tick=False):
        response = department_client.get(statistics_url(settlement_a))
    assert response.status_code == 200
    body = response.json()
    assert (body["settlement"], body["birth_year"], body["places_given"]) == (settlement_a.kato_code, 2022, 1)
    assert body["places_given_since"].startswith("2025-12-")
    general = kinds(body)["general"]
    # The child with a referral still stands in the queue until enrolled.
    assert general == {
        "kind": "general",
        "out_of_turn": 0,
        "first_turn": 0,
        "general": 3,
        "total": 3,
        "places_given": 1,
    }
    assert kinds(body)["special"] == {
        "kind": "special",
        "out_of_turn": 0,
        "first_turn": 0,
        "general": 0,
        "total": 0,
        "places_given": 0,
    }
    assert set(kinds(body)) == {"general", "special", "sanatorium"}


def test_cancelled_and_older_referrals_are_not_counted(department_client, settlement_a, one_taken):
    with time_machine.travel(at(20), tick=False):
        assert department_client.get(statistics_url(settlement_a)).json()["places_given"] == 1
    # Tokens expire, so the referral moves back in time rather than the clock forward.
    Referral.objects.filter(pk=one_taken.pk).update(issued_at=at(19, month=12, year=2025))
    with time_machine.travel(at(20), tick=False):
        assert department_client.get(statistics_url(settlement_a)).json()["places_given"] == 0
    Referral.objects.filter(pk=one_taken.pk).update(issued_at=at(20, month=12, year=2025))
    with time_machine.travel(at(20), tick=False):
        assert department_client.get(statistics_url(settlement_a)).json()["places_given"] == 1
    Referral.objects.filter(pk=one_taken.pk).update(status=ReferralStatus.CANCELLED, reason="Not confirmed")
    with time_machine.travel(at(20), tick=False):
        assert department_client.get(statistics_url(settlement_a)).json()["places_given"] == 0


def test_another_birth_year_has_its_own_statistics(department_client, settlement_a, one_taken):
    with time_machine.travel(at(20), tick=False):
        body = department_client.get(statistics_url(settlement_a, year=2021)).json()
    assert body["places_given"] == 0
    assert all(row["total"] == 0 for row in body["queues"])


def test_a_department_gets_404_for_another_districts_statistics(department_client, settlement_b):
    waiting(settlement_b, 1, first=at(2, month=11))
    assert department_client.get(statistics_url(settlement_b)).status_code == 404


def test_the_call_centre_reads_any_statistics(call_centre_client, settlement_b):
    waiting(settlement_b, 2, first=at(2, month=11))
    response = call_centre_client.get(statistics_url(settlement_b))
    assert response.status_code == 200
    assert kinds(response.json())["general"]["total"] == 2


def test_a_service_centre_may_not_read_statistics(gov_corp_client, settlement_a):
    assert gov_corp_client.get(statistics_url(settlement_a)).status_code == 403
