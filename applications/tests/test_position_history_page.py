"""The position history on the application page and its own page, in Kazakh and Russian (issue 12)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from applications import services
from applications.tests.factories import child_details, submit
from conftest import PARENT_BACKEND
from core.clock import now as clock_now
from queues import history_words
from queues import services as queue_services
from queues.choices import LeaveReason
from queues.history_words import SHORT_DAYS

NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))

pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]


@pytest.fixture
def ahead(settlement_a):
    """Eight applications before the parent's, in the same queue."""
    return [submit(settlement_a, child=child_details()) for _ in range(SHORT_DAYS + 3)]


@pytest.fixture
def application(parent, settlement_a, ahead, clock):
    clock.shift(60)
    applicant = services.ApplicantDetails(
        iin=parent.iin, surname=parent.surname, name=parent.name, phone=parent.phone
    )
    return submit(settlement_a, child=child_details(), applicant=applicant, actor=parent.user)


def enrol_one_a_day(applications, clock, parent_client, parent):
    """Each a day later; then the parent signs in again (the session of days ago has expired)."""
    for application in applications:
        clock.shift(datetime.timedelta(days=1))
        queue_services.leave_queues(
            application_id=application.pk, reason=LeaveReason.ENROLLED, now=clock_now()
        )
    parent_client.force_login(parent.user, backend=PARENT_BACKEND)


@pytest.mark.parametrize(
    ("language", "heading", "enrolled", "latest", "earlier"),
    [
        (
            "ru",
            "Как менялось ваше место",
            "1 ребёнок впереди вас зачислен в детский сад.",
            "С места 8 на место 7.",
            "С места 9 на место 8.",
        ),
        (
            "kk",
            "Орныңыз қалай өзгерді",
            "Сізден алдағы 1 бала балабақшаға қабылданды.",
            "8-орыннан 7-орынға.",
            "9-орыннан 8-орынға.",
        ),
    ],
)
def test_the_application_page_tells_the_parent_why_the_number_moved_newest_first(
    parent_client, parent, application, ahead, clock, language, heading, enrolled, latest, earlier
):
    enrol_one_a_day(ahead[:2], clock, parent_client, parent)
    parent_client.cookies["django_language"] = language

    page = parent_client.get(reverse("applications:detail", args=[application.number])).text

    assert heading in page
    assert page.count(enrolled) == 2
    assert page.index(latest) < page.index(earlier)


def test_the_page_shows_the_latest_days_and_links_to_the_whole_history(
    parent_client, parent, application, ahead, clock
):
    enrol_one_a_day(ahead, clock, parent_client, parent)
    parent_client.cookies["django_language"] = "ru"
    detail = parent_client.get(reverse("applications:detail", args=[application.number])).text
    whole = reverse("applications:position_history", args=[application.number, "general"])

    assert detail.count("зачислен в детский сад") == SHORT_DAYS
    assert f'href="{whole}"' in detail
    history = parent_client.get(whole).text
    assert history.count("зачислен в детский сад") == len(ahead)
    assert "Ваше заявление встало в очередь на место 9." in history
    assert history.index("С места 2 на место 1.") < history.index("С места 9 на место 8.")


def test_another_family_cannot_read_the_history(client, other_parent, application):
    client.force_login(other_parent.user, backend=PARENT_BACKEND)
    whole = reverse("applications:position_history", args=[application.number, "general"])
    assert client.get(whole).status_code == 404


def test_the_page_replays_only_the_last_30_days_and_still_links_to_what_came_before(
    parent_client, parent, application, ahead, clock
):
    """At the back of a large queue a year is thousands of events: the page reads a month of them."""
    enrol_one_a_day(ahead[:2], clock, parent_client, parent)
    clock.shift(datetime.timedelta(days=40))
    enrol_one_a_day(ahead[2:3], clock, parent_client, parent)
    parent_client.cookies["django_language"] = "ru"
    detail = parent_client.get(reverse("applications:detail", args=[application.number])).text
    whole = reverse("applications:position_history", args=[application.number, "general"])

    assert detail.count("зачислен в детский сад") == 1
    assert "С места 7 на место 6." in detail
    assert "встало в очередь" not in detail
    assert f'href="{whole}"' in detail
    history = parent_client.get(whole).text
    assert history.count("зачислен в детский сад") == 3
    assert "Ваше заявление встало в очередь на место 9." in history


def test_a_history_all_within_the_window_has_no_link_to_more(
    parent_client, parent, application, ahead, clock
):
    enrol_one_a_day(ahead[:2], clock, parent_client, parent)
    detail = parent_client.get(reverse("applications:detail", args=[application.number])).text
    whole = reverse("applications:position_history", args=[application.number, "general"])

    assert f'href="{whole}"' not in detail


def test_the_whole_history_comes_a_page_of_days_at_a_time_latest_first(
    parent_client, parent, application, ahead, clock, monkeypatch
):
    """A year at the back of a large queue is months of days: the page shows them a few at a time."""
    monkeypatch.setattr(history_words, "HISTORY_PAGE_DAYS", 4)
    enrol_one_a_day(ahead, clock, parent_client, parent)  # eight days of changes after the day it joined
    parent_client.cookies["django_language"] = "ru"
    whole = reverse("applications:position_history", args=[application.number, "general"])
    first, second, third = (parent_client.get(f"{whole}?page={n}").text for n in (1, 2, 3))

    assert first.count("зачислен в детский сад") == 4
    assert "С места 2 на место 1." in first
    assert "Более ранние изменения" in first
    assert "Более поздние изменения" not in first
    assert second.count("зачислен в детский сад") == 4
    assert "С места 9 на место 8." in second
    assert "Более ранние изменения" in second
    assert "Более поздние изменения" in second
    assert "Ваше заявление встало в очередь на место 9." in third
    assert "зачислен в детский сад" not in third
    assert "Более ранние изменения" not in third
    assert parent_client.get(f"{whole}?page=4").status_code == 404
