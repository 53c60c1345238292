"""The public, tamper-evident log of openings (issue 13): what it records, once, and that it holds."""

import datetime
import hashlib
import html
import json

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from prometheus_client import REGISTRY

from bulletins import openings, services
from bulletins.choices import OpeningKind
from bulletins.models import Opening
from bulletins.tests.factories import (
    MONDAY_14_DECEMBER,
    at,
    group_in,
    parent_of,
    published_bulletin,
    queue_of,
    waiting,
)
from placements.tests.factories import take

pytestmark = pytest.mark.usefixtures("english")

NOW = MONDAY_14_DECEMBER


@pytest.fixture
def group(kindergarten_a):
    return group_in(kindergarten_a)


@pytest.fixture
def queue_of_six(settlement_a, group):
    return waiting(settlement_a, 6, first=at(3, 9, month=11))


@pytest.fixture
def opened(specialist_a, group, queue_of_six):
    bulletin = published_bulletin(specialist_a, {group: 4}, now=NOW)
    services.open_access(bulletin_id=bulletin.pk, now=NOW)
    return bulletin


def recomputed(entry: Opening) -> str:
    """The entry's hash computed as docs/open-data.md tells anyone to, without ``bulletins.openings``."""
    fields = {
        "seq": entry.seq,
        "at": entry.at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "kind": entry.kind,
        "bulletin": entry.bulletin_id,
        "queue": entry.queue_id,
        "places": entry.places,
        "accesses": entry.accesses,
        "previous": entry.previous,
    }
    return sha256_of(fields)


def sha256_of(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def test_a_publication_logs_the_numbers_given_access_in_queue_order_with_their_positions(
    opened, group, queue_of_six
):
    entry = Opening.objects.get()

    assert (entry.kind, entry.bulletin, entry.queue, entry.places) == (
        OpeningKind.PUBLISHED,
        opened,
        queue_of(group),
        4,
    )
    assert entry.accesses == [
        [application.number, position] for position, application in enumerate(queue_of_six[:4], start=1)
    ]
    assert (entry.seq, entry.previous) == (1, openings.GENESIS)
    assert entry.hash == recomputed(entry)


def test_rerunning_an_opening_adds_nothing_to_the_log(opened):
    services.open_access(bulletin_id=opened.pk, now=NOW + datetime.timedelta(minutes=5))

    assert Opening.objects.count() == 1


def test_a_queue_where_nobody_may_get_access_is_logged_with_its_places_and_no_numbers(
    specialist_a, kindergarten_a
):
    empty = group_in(kindergarten_a, birth_year=2023)
    bulletin = published_bulletin(specialist_a, {empty: 2}, now=NOW)

    services.open_access(bulletin_id=bulletin.pk, now=NOW)

    assert list(Opening.objects.values_list("places", "accesses")) == [(2, [])]


def publish_another(specialist, kindergarten, *, days_later: int):
    """A bulletin with one place in another queue (children born in 2023), its access opened."""
    when = NOW + datetime.timedelta(days=days_later)
    bulletin = published_bulletin(specialist, {group_in(kindergarten, birth_year=2023): 1}, now=when)
    services.open_access(bulletin_id=bulletin.pk, now=when)


def test_each_entry_links_to_the_one_before_and_the_chain_verifies(opened, specialist_a, kindergarten_a):
    publish_another(specialist_a, kindergarten_a, days_later=1)

    first, second = Opening.objects.order_by("seq")

    assert second.previous == first.hash
    assert second.hash == recomputed(second)
    assert openings.verify() is None


def test_an_entry_changed_in_sql_is_found_at_exactly_that_entry(opened, specialist_a, kindergarten_a):
    publish_another(specialist_a, kindergarten_a, days_later=1)
    publish_another(specialist_a, kindergarten_a, days_later=2)
    assert Opening.objects.count() == 3
    with connection.cursor() as cursor:  # as a dishonest database administrator could
        cursor.execute("UPDATE bulletins_opening SET places = places + 1 WHERE seq = 2")

    assert openings.verify() == 2
    with pytest.raises(SystemExit) as failed:
        call_command("verify_openings")
    assert failed.value.code == 1


def test_a_rewritten_hash_breaks_the_next_entry_s_link(opened, specialist_a, kindergarten_a):
    publish_another(specialist_a, kindergarten_a, days_later=1)
    first = Opening.objects.get(seq=1)
    first.accesses = first.accesses[1:]  # someone's access erased, and the hash made to fit
    first.hash = recomputed(first)
    Opening.objects.filter(seq=1).update(accesses=first.accesses, hash=first.hash)

    assert openings.verify() == 2


def test_the_command_says_the_chain_holds(opened, capsys):
    call_command("verify_openings")

    assert "1 entries, the chain holds" in capsys.readouterr().out


def test_the_end_of_the_priority_window_logs_the_free_places_once(opened, group, queue_of_six):
    take(queue_of_six[0], opened.places.get(), now=NOW + datetime.timedelta(hours=1))
    after_the_window = opened.priority_until + datetime.timedelta(minutes=1)

    services.end_priority_windows(now=after_the_window)
    services.end_priority_windows(now=after_the_window + datetime.timedelta(hours=1))

    entry = Opening.objects.get(kind=OpeningKind.OPEN_TO_ALL)
    assert (entry.bulletin, entry.queue, entry.places, entry.accesses) == (opened, queue_of(group), 3, [])
    assert openings.verify() is None


def test_the_log_names_no_child_and_no_parent(opened, queue_of_six):
    entry = Opening.objects.get()
    published = json.dumps(openings.payload(entry))

    assert set(openings.payload(entry)) == {
        "seq", "at", "kind", "bulletin", "queue", "places", "accesses", "previous"
    }  # fmt: skip
    for application in queue_of_six:
        assert application.child.iin not in published
        assert application.child.surname not in published
        assert application.applicant.iin not in published


# --- the public pages and the feed ------------------------------------------------------------


def test_the_log_page_lists_entries_and_the_head(client, opened):
    entry = Opening.objects.get()

    page = client.get(reverse("bulletins:openings")).text

    assert reverse("bulletins:opening", args=[entry.seq]) in page
    assert entry.hash in page


def test_an_entry_page_shows_whom_access_went_to_and_the_hashed_bytes(client, opened, queue_of_six):
    entry = Opening.objects.get()

    page = client.get(reverse("bulletins:opening", args=[entry.seq])).text

    for application in queue_of_six[:4]:
        assert application.number in page
    assert queue_of_six[4].number not in page
    assert html.escape(openings.canonical(openings.payload(entry)).decode()) in page
    assert client.get(reverse("bulletins:opening", args=[999])).status_code == 404


def test_anyone_recomputes_the_chain_from_the_feed(client, opened, specialist_a, kindergarten_a):
    publish_another(specialist_a, kindergarten_a, days_later=1)

    feed = client.get(reverse("bulletins:openings_feed")).json()

    previous = openings.GENESIS
    for item in feed["entries"]:
        payload = item["payload"]
        assert payload["previous"] == previous
        computed = hashlib.sha256(
            json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        assert computed == item["hash"]
        previous = item["hash"]
    assert [item["seq"] for item in feed["entries"]] == [1, 2]
    assert feed["next"] is None


def test_the_feed_answers_not_modified_to_a_reader_who_has_it(client, opened):
    first = client.get(reverse("bulletins:openings_feed"))

    again = client.get(reverse("bulletins:openings_feed"), headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304


@pytest.mark.parametrize("after", ["-1", "x", "1e9"])
def test_a_malformed_feed_position_is_not_found(client, opened, after):
    assert client.get(reverse("bulletins:openings_feed"), {"after": after}).status_code == 404


def test_the_front_page_shows_the_head_of_the_log(client, opened):
    page = client.get(reverse("home")).text

    assert Opening.objects.get().hash in page
    assert reverse("bulletins:openings") in page


# --- on the parent's application page ---------------------------------------------------------


def page_of(client, application) -> str:
    """The application's own page, as its parent sees it."""
    client.force_login(parent_of(application), backend="accounts.backends.OneTimeCodeBackend")
    return client.get(reverse("applications:detail", args=[application.number])).text


@pytest.mark.usefixtures("english_pages")
def test_the_application_page_says_where_the_child_stood_at_each_opening(client, opened, queue_of_six):
    given, passed_over = queue_of_six[1], queue_of_six[5]
    entry = Opening.objects.get()

    mine = page_of(client, given)
    theirs = page_of(client, passed_over)

    assert f"Opening № {entry.seq} of 14.12.2026" in mine
    assert "you were 2-th in the queue, and access went to 4 applications." in mine
    assert reverse("bulletins:opening", args=[entry.seq]) in mine
    assert "access went to 4 applications, up to position 4; yours was not among them." in theirs


@pytest.mark.usefixtures("english_pages")
def test_the_cabinet_list_does_not_read_the_log(client, opened, queue_of_six):
    page_of(client, queue_of_six[0])

    page = client.get(reverse("applications:cabinet")).text

    assert "Openings of places in your queues" not in page


@pytest.mark.usefixtures("shared_cache")
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_page_of_the_log_is_served_again_until_a_new_entry_arrives(
    client, language, opened, specialist_a, kindergarten_a, django_assert_num_queries
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.get(reverse("bulletins:openings"))
    with django_assert_num_queries(0):
        client.get(reverse("bulletins:openings"))

    publish_another(specialist_a, kindergarten_a, days_later=1)
    page = client.get(reverse("bulletins:openings")).text

    assert Opening.objects.get(seq=2).hash in page
    assert f'<html lang="{language}">' in page


def cache_calls() -> float:
    """Calls of the Redis cache so far, every operation counted (core.metrics)."""
    return sum(
        sample.value
        for metric in REGISTRY.collect()
        if metric.name == "kezek_redis_command_duration_seconds"
        for sample in metric.samples
        if sample.name.endswith("_count")
    )


@pytest.mark.usefixtures("shared_cache")
def test_a_cached_page_of_the_log_is_read_with_its_head_in_one_round_trip(client, opened):
    client.get(reverse("bulletins:openings"))
    before = cache_calls()

    page = client.get(reverse("bulletins:openings")).text

    assert cache_calls() == before + 1
    assert openings.head()["hash"] in page


@pytest.mark.usefixtures("shared_cache")
def test_a_head_read_just_before_an_append_and_kept_just_after_it_is_not_shown(
    client, opened, specialist_a, kindergarten_a, monkeypatch, django_capture_on_commit_callbacks
):
    """A slow reader reads the old head from the database, an append commits, then the reader keeps
    what it read: the front page and the log must still show the new head at the next look."""
    cache.clear()
    read_from_the_database = openings._last

    def read_then_an_append_commits():
        old_head = read_from_the_database()
        monkeypatch.setattr(openings, "_last", read_from_the_database)
        with django_capture_on_commit_callbacks(execute=True):
            publish_another(specialist_a, kindergarten_a, days_later=1)
        return old_head

    monkeypatch.setattr(openings, "_last", read_then_an_append_commits)
    assert openings.head()["seq"] == 1  # what the slow reader saw, and kept

    newest = Opening.objects.get(seq=2)
    assert openings.head()["hash"] == newest.hash
    assert newest.hash in client.get(reverse("bulletins:openings")).text
