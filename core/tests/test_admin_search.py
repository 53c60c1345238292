"""The admin's search box: found as before, but the term stays out of every URL (core/admin_search.py)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from applications.tests.factories import submit
from core import admin_search as admin_search_module
from core import clock
from core.tests.admin_search import admin_search

pytestmark = pytest.mark.usefixtures("english_pages")

CHANGELIST = "/admin/applications/application/"


@pytest.fixture
def wanted(settlement_a):
    return submit(settlement_a)


@pytest.fixture
def unwanted(settlement_a):
    return submit(settlement_a)


def test_a_search_by_iin_finds_the_child_and_puts_only_a_search_id_in_the_url(
    client, specialist_a, wanted, unwanted
):
    client.force_login(specialist_a)

    response = admin_search(client, CHANGELIST, wanted.child.iin)

    ((location, _),) = response.redirect_chain
    assert wanted.child.iin not in location
    assert location.startswith(f"{CHANGELIST}?q=")
    assert wanted.display_number in response.text
    assert unwanted.display_number not in response.text
    # The box shows what was typed; the page's links carry only the search id.
    assert f'value="{wanted.child.iin}" id="searchbar"' in response.text
    assert not [href for href in response.text.split('href="')[1:] if wanted.child.iin in href.split('"')[0]]


def test_the_filters_chosen_before_the_search_are_kept(client, specialist_a, wanted):
    client.force_login(specialist_a)

    response = client.post(
        f"{CHANGELIST}search/", {"q": wanted.child.iin, "status__exact": wanted.status}, follow=True
    )

    ((location, _),) = response.redirect_chain
    assert f"status__exact={wanted.status}" in location
    assert wanted.display_number in response.text


def test_a_search_id_works_only_in_the_session_that_made_it(
    client, specialist_a, second_specialist_a, wanted
):
    client.force_login(specialist_a)
    ((location, _),) = admin_search(client, CHANGELIST, wanted.child.iin).redirect_chain
    client.logout()
    client.force_login(second_specialist_a)

    response = client.get(location)

    assert wanted.display_number not in response.text
    assert "This search has expired" in response.text


def test_a_search_id_expires(client, specialist_a, wanted, monkeypatch):
    # Shortened here: the staff session's own idle limit is shorter than the real lifetime.
    monkeypatch.setattr(admin_search_module, "SEARCH_LIFETIME", datetime.timedelta(minutes=1))
    client.force_login(specialist_a)
    ((location, _),) = admin_search(client, CHANGELIST, wanted.child.iin).redirect_chain

    with time_machine.travel(clock.now() + datetime.timedelta(minutes=2)):
        response = client.get(location)

    assert response.status_code == 200
    assert wanted.display_number not in response.text
    assert "This search has expired" in response.text


def test_an_iin_typed_into_the_address_bar_finds_nothing(client, specialist_a, wanted):
    client.force_login(specialist_a)

    response = client.get(CHANGELIST, {"q": wanted.child.iin})

    assert wanted.display_number not in response.text


def test_an_empty_search_shows_the_whole_list(client, specialist_a, wanted, unwanted):
    client.force_login(specialist_a)

    response = admin_search(client, CHANGELIST, "  ")

    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert wanted.display_number in response.text
    assert unwanted.display_number in response.text


def test_the_search_address_answers_only_a_post(client, specialist_a):
    client.force_login(specialist_a)

    assert client.get(reverse("admin:applications_application_search")).status_code == 405
