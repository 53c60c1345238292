"""A draft bulletin is corrected before publication: a group's places removed, an included report taken back.

A published bulletin is never edited (RULES.md section 5); only a specialist
of the bulletin's district corrects a draft, in the admin, through the services.
"""

import datetime

import pytest
from django.urls import reverse

from applications.errors import OutOfScope
from audit.models import AuditEvent
from audit.vocabulary import AuditAction
from bulletins import services
from bulletins.choices import ReportState
from bulletins.errors import BulletinPublished, ReportNotIncluded
from bulletins.models import BulletinPlace
from bulletins.tests.factories import MONDAY_14_DECEMBER, group_in, kindergarten_staff

NOW = MONDAY_14_DECEMBER

pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock", "english_pages")]


@pytest.fixture
def group(kindergarten_a):
    return group_in(kindergarten_a, name="Балапан")


@pytest.fixture
def report(group, kindergarten_a):
    staff = kindergarten_staff(kindergarten_a)
    return services.report_vacancy(group=group, places=2, actor=staff, now=NOW - datetime.timedelta(hours=2))


@pytest.fixture
def draft(district_a, specialist_a):
    return services.create_bulletin(district=district_a, actor=specialist_a, now=NOW)


@pytest.fixture
def included(draft, report, specialist_a):
    """The report's two places in the draft, beside one more added by hand to the same group's row."""
    services.include_report(bulletin=draft, report=report, actor=specialist_a, now=NOW)
    services.add_place(bulletin=draft, group=report.group, places=1, actor=specialist_a, now=NOW)
    report.refresh_from_db()
    return report


def _url(name, *args):
    return reverse(f"admin:bulletins_{name}", args=args)


# --- the services -------------------------------------------------------------------------------


def test_taking_a_report_back_returns_it_to_review_and_its_places_leave_the_draft(
    included, draft, specialist_a
):
    services.take_back_report(report=included, actor=specialist_a, now=NOW)

    included.refresh_from_db()
    assert (included.state, included.bulletin_id, included.decided_by_id) == (ReportState.PENDING, None, None)
    assert draft.places.get().places == 1
    event = AuditEvent.objects.get(action=AuditAction.VACANCY_TAKEN_BACK)
    assert (event.actor_id, event.details["places"]) == (specialist_a.pk, 2)


def test_a_row_left_without_places_leaves_the_draft(draft, report, specialist_a):
    services.include_report(bulletin=draft, report=report, actor=specialist_a, now=NOW)

    services.take_back_report(report=report, actor=specialist_a, now=NOW)

    assert not draft.places.exists()


def test_removing_a_row_sends_its_included_reports_back_to_review(included, draft, specialist_a):
    place = draft.places.get()

    services.remove_place(place=place, actor=specialist_a, now=NOW)

    assert not BulletinPlace.objects.filter(pk=place.pk).exists()
    included.refresh_from_db()
    assert included.state == ReportState.PENDING
    event = AuditEvent.objects.get(action=AuditAction.BULLETIN_PLACE_REMOVED)
    assert event.details["reports_back_to_review"] == [included.pk]


def test_a_published_bulletin_is_never_corrected(included, draft, specialist_a):
    services.publish_bulletin(bulletin=draft, actor=specialist_a, now=NOW)

    with pytest.raises(BulletinPublished):
        services.take_back_report(report=included, actor=specialist_a, now=NOW)
    with pytest.raises(BulletinPublished):
        services.remove_place(place=draft.places.get(), actor=specialist_a, now=NOW)

    assert draft.places.get().places == 3
    included.refresh_from_db()
    assert included.state == ReportState.INCLUDED


def test_a_specialist_of_another_district_cannot_correct_the_draft(included, draft, specialist_b):
    with pytest.raises(OutOfScope):
        services.take_back_report(report=included, actor=specialist_b, now=NOW)
    with pytest.raises(OutOfScope):
        services.remove_place(place=draft.places.get(), actor=specialist_b, now=NOW)

    assert draft.places.get().places == 3


def test_a_pending_report_has_nothing_to_take_back(report, specialist_a):
    with pytest.raises(ReportNotIncluded):
        services.take_back_report(report=report, actor=specialist_a, now=NOW)


# --- the admin ----------------------------------------------------------------------------------


def test_a_specialist_takes_a_report_back_in_the_admin(client, included, specialist_a):
    client.force_login(specialist_a)
    url = _url("vacancyreport_take_back", included.pk)
    assert url in client.get(_url("vacancyreport_changelist")).text

    page = client.get(url)
    done = client.post(url)

    assert page.status_code == 200
    assert "leave" in page.text
    assert done.status_code == 302
    included.refresh_from_db()
    assert included.state == ReportState.PENDING
    assert url not in client.get(_url("vacancyreport_changelist")).text


def test_a_specialist_removes_a_row_from_the_draft_in_the_admin(client, included, draft, specialist_a):
    place = draft.places.get()
    client.force_login(specialist_a)
    url = _url("bulletin_remove_place", draft.pk, place.pk)
    assert url in client.get(_url("bulletin_change", draft.pk)).text

    done = client.post(url)

    assert done.status_code == 302
    assert not draft.places.exists()
    included.refresh_from_db()
    assert included.state == ReportState.PENDING


def test_the_admin_offers_no_correction_of_a_published_bulletin(client, included, draft, specialist_a):
    services.publish_bulletin(bulletin=draft, actor=specialist_a, now=NOW)
    place = draft.places.get()
    client.force_login(specialist_a)
    remove = _url("bulletin_remove_place", draft.pk, place.pk)
    take_back = _url("vacancyreport_take_back", included.pk)

    assert remove not in client.get(_url("bulletin_change", draft.pk)).text
    assert take_back not in client.get(_url("vacancyreport_changelist")).text
    client.post(remove)
    client.post(take_back)

    assert draft.places.get().places == 3
    included.refresh_from_db()
    assert included.state == ReportState.INCLUDED


def test_another_districts_specialist_gets_404_in_the_admin(client, included, draft, specialist_b):
    client.force_login(specialist_b)

    assert client.post(_url("vacancyreport_take_back", included.pk)).status_code == 404
    assert client.post(_url("bulletin_remove_place", draft.pk, draft.places.get().pk)).status_code == 404

    included.refresh_from_db()
    assert included.state == ReportState.INCLUDED
