"""The public position check: a number in, the status and positions out, nothing about the family."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import numbers, services
from applications.tests.factories import applicant_details, child_details, submit
from applications.views import CHECK_LOOKUPS_PER_WINDOW
from conftest import PARENT_BACKEND

pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def application(settlement_a, kindergarten_a):
    return submit(
        settlement_a,
        child=child_details(surname="Қасымов", name="Ерлан"),
        applicant=applicant_details(surname="Қасымова", name="Динара"),
        preferred_kindergartens=[kindergarten_a],
    )


def check(client, number, address="203.0.113.5"):
    return client.get(reverse("applications:check"), {"number": number}, REMOTE_ADDR=address)


def result_of(response) -> str:
    """The answer part of the page, without the form that echoes the number typed."""
    text = response.text
    return text[text.index('<section class="result"') :]


def test_the_check_needs_no_sign_in(client, db):
    response = client.get(reverse("applications:check"))

    assert response.status_code == 200
    assert "Application number" in response.text


def test_a_number_shows_the_status_and_each_queues_position_and_nothing_else(client, application):
    response = check(client, application.number)

    assert response.status_code == 200
    result = result_of(response)
    assert "In queue" in result
    assert "General queue" in result
    assert "position 1" in result
    for private in ("Қасымов", "Ерлан", "Динара", str(application.settlement), application.child.iin):
        assert private not in response.text
    assert "out-of-turn" not in result


def test_dashes_and_spaces_are_allowed(client, application):
    spaced = f"{application.number[:3]} {application.number[3:6]}-{application.number[6:]}"

    response = check(client, spaced)

    assert "position 1" in result_of(response)


def test_an_unknown_number_and_a_malformed_one_get_the_same_answer(client, application):
    body = "123456789"
    unknown = body + str(numbers.luhn_check_digit(body))
    assert unknown != application.number

    unknown_answer = result_of(check(client, unknown))
    malformed_answers = [result_of(check(client, typed)) for typed in ("12345-abc", "1" * 40)]

    assert "No application with this number was found." in unknown_answer
    assert malformed_answers == [unknown_answer, unknown_answer]


def test_the_twenty_first_look_up_from_one_address_is_refused(client, application):
    for _ in range(CHECK_LOOKUPS_PER_WINDOW):
        assert check(client, application.number).status_code == 200

    refused = check(client, application.number)

    assert refused.status_code == 429
    assert "Too many look-ups" in refused.text
    assert "position 1" not in refused.text
    assert check(client, application.number, address="198.51.100.7").status_code == 200


def test_opening_the_empty_form_is_not_a_look_up(client, application):
    for _ in range(CHECK_LOOKUPS_PER_WINDOW + 5):
        client.get(reverse("applications:check"), REMOTE_ADDR="203.0.113.5")

    assert check(client, application.number).status_code == 200


def test_anonymous_visitors_are_offered_sign_in_and_no_cabinet(client, db):
    response = client.get(reverse("applications:check"))

    assert f'href="{reverse("accounts:sign_in")}"' in response.text
    assert reverse("applications:cabinet") not in response.text


# --- the page served again, from the cache, while nothing it shows has changed (issue 11) ----------


def rendered(client, number) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = check(client, number)
    return response.text, len(queries.captured_queries)


@pytest.mark.usefixtures("shared_cache")
def test_a_second_look_up_is_served_from_the_cache_in_one_query(client, application):
    first, _ = rendered(client, application.number)
    again, queries = rendered(client, application.number)

    assert again == first
    assert queries == 1


@pytest.mark.usefixtures("shared_cache")
def test_a_cached_page_is_never_served_once_a_position_has_changed(
    client, application, settlement_a, specialist_a
):
    rendered(client, application.number)
    earlier = submit(
        settlement_a,
        actor=specialist_a,
        channel="education_department",
        received_at=application.submitted_at - datetime.timedelta(hours=1),
    )

    page, _ = rendered(client, application.number)

    assert "position 2" in page
    assert earlier.pk != application.pk


@pytest.mark.usefixtures("shared_cache")
def test_a_cached_page_is_never_served_once_the_status_has_changed(client, application, specialist_a):
    rendered(client, application.number)
    services.withdraw_application(application=application, actor=specialist_a, reason="moved away")

    page, _ = rendered(client, application.number)

    assert "Withdrawn" in page
    assert "position 1" not in page


@pytest.mark.usefixtures("shared_cache")
def test_a_signed_in_parent_gets_their_own_menu_not_a_cached_page(client, application, parent):
    rendered(client, application.number)
    client.force_login(parent.user, backend=PARENT_BACKEND)

    page, _ = rendered(client, application.number)

    assert "Sign out" in page


POSITION = {"kk": "кезектегі орны: {}", "ru": "место {}"}


def ahead_of(application, settlement, specialist, count: int) -> list:
    """``count`` applications brought on paper, received before ``application`` was submitted."""
    return [
        submit(
            settlement,
            actor=specialist,
            channel="education_department",
            received_at=application.submitted_at - datetime.timedelta(hours=count - index),
        )
        for index in range(count)
    ]


@pytest.mark.usefixtures("shared_cache")
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_cached_answer_moves_up_the_moment_an_application_ahead_is_withdrawn(
    client, language, application, settlement_a, specialist_a
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    (ahead,) = ahead_of(application, settlement_a, specialist_a, 1)
    rendered(client, application.number)
    cached, queries = rendered(client, application.number)
    assert queries == 1
    assert POSITION[language].format(2) in cached

    services.withdraw_application(application=ahead, actor=specialist_a, reason="moved away")
    page, _ = rendered(client, application.number)

    assert POSITION[language].format(1) in page
    assert POSITION[language].format(2) not in page


@pytest.mark.usefixtures("shared_cache")
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_cached_answer_costs_one_query_however_many_stand_ahead(
    client, language, application, settlement_a, specialist_a
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    ahead_of(application, settlement_a, specialist_a, 6)
    rendered(client, application.number)

    page, queries = rendered(client, application.number)

    assert queries == 1
    assert POSITION[language].format(7) in page
