"""The specialist's bulletin pages in the admin: reports into a draft, places, publication, and after."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from applications.tests.factories import submit
from bulletins import services
from bulletins.choices import AccessStatus, BulletinStatus, ReportState
from bulletins.models import Access, Bulletin, BulletinPlace, VacancyReport
from bulletins.tests.factories import (
    MONDAY_14_DECEMBER,
    at,
    group_in,
    kindergarten_staff,
    parent_of,
    published_bulletin,
    waiting,
)
from directory.tests.factories import KindergartenFactory

NOW = MONDAY_14_DECEMBER


pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock", "english_pages")]


@pytest.fixture
def group(kindergarten_a):
    return group_in(kindergarten_a, name="Балапан")


@pytest.fixture
def staff(kindergarten_a):
    return kindergarten_staff(kindergarten_a)


@pytest.fixture
def waiting_four(settlement_a):
    return waiting(settlement_a, 4, first=at(2, month=11))


@pytest.fixture
def report(group, staff):
    return services.report_vacancy(group=group, places=2, actor=staff, now=NOW - datetime.timedelta(hours=2))


@pytest.fixture
def draft(district_a, specialist_a):
    return services.create_bulletin(district=district_a, actor=specialist_a, now=NOW)


def change_url(bulletin):
    return reverse("admin:bulletins_bulletin_change", args=[bulletin.pk])


def bulletin_url(name, bulletin):
    return reverse(f"admin:bulletins_bulletin_{name}", args=[bulletin.pk])


def report_url(name, report):
    return reverse(f"admin:bulletins_vacancyreport_{name}", args=[report.pk])


def texts_of_messages(response):
    return [str(message) for message in response.context["messages"]]


def form_inputs(html: str) -> list[str]:
    """Inputs a person could type into or choose in (hidden ones and the page's buttons aside)."""
    return [tag for tag in ("<select", "<textarea", 'type="text"', 'type="number"') if tag in html]


# --- from a report to a published bulletin ----------------------------------------------------------


def test_a_specialist_builds_a_bulletin_from_a_report_and_publishes_it(
    client, specialist_a, district_a, report, group, waiting_four, django_capture_on_commit_callbacks
):
    client.force_login(specialist_a)
    other_group = group_in(group.kindergarten, name="Құлыншақ")

    started = client.post(reverse("admin:bulletins_bulletin_add"), {"district": district_a.pk})
    bulletin = Bulletin.objects.get()
    assert started.status_code == 302
    assert started["Location"] == change_url(bulletin)
    assert bulletin.status == BulletinStatus.DRAFT

    draft_page = client.get(change_url(bulletin))
    assert "Reports of free places awaiting review in this district" in draft_page.text
    assert report_url("include", report) + f"?bulletin={bulletin.pk}" in draft_page.text
    assert bulletin_url("publish", bulletin) in draft_page.text

    included = client.post(report_url("include", report), {"bulletin": bulletin.pk})
    assert included.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.bulletin, report.decided_by) == (
        ReportState.INCLUDED,
        bulletin,
        specialist_a,
    )

    added = client.post(bulletin_url("add_place", bulletin), {"group": other_group.pk, "places": 1})
    assert added.status_code == 302
    assert dict(bulletin.places.values_list("group", "places")) == {group.pk: 2, other_group.pk: 1}

    confirmation = client.get(bulletin_url("publish", bulletin))
    assert confirmation.status_code == 200
    assert "Yes, publish the bulletin" in confirmation.text
    # Monday 14 December: 15, (16 Independence Day), 17, 18.
    assert "runs through 18.12.2026 and ends at 19.12.2026 00:00 (Asia/Almaty)" in confirmation.text
    with django_capture_on_commit_callbacks(execute=True):
        published = client.post(bulletin_url("publish", bulletin))

    assert published.status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.PUBLISHED
    assert bulletin.published_by == specialist_a
    # open_access ran on the commit: the first three of the queue hold access to its three places.
    accesses = Access.objects.filter(bulletin=bulletin, status=AccessStatus.OPEN)
    assert sorted(accesses.values_list("application", flat=True)) == sorted(a.pk for a in waiting_four[:3])
    page = client.get(change_url(bulletin))
    assert "Access opened" in page.text
    assert "19.12.2026 00:00 (Asia/Almaty)" in page.text
    row = page.context["access_rows"][0]
    assert (row["gained"], row["opened"], row["still_open"]) == (3, 3, 3)


def test_a_published_bulletin_cannot_be_edited_in_the_admin(client, specialist_a, group, staff):
    bulletin = published_bulletin(specialist_a, {group: 2}, now=NOW)
    place = bulletin.places.get()
    client.force_login(specialist_a)

    page = client.get(change_url(bulletin))
    assert page.status_code == 200
    assert form_inputs(page.text) == []
    assert bulletin_url("add_place", bulletin) not in page.text
    assert bulletin_url("publish", bulletin) not in page.text
    assert client.post(change_url(bulletin), {"district": bulletin.district_id}).status_code == 403

    refused = client.post(bulletin_url("add_place", bulletin), {"group": group.pk, "places": 1}, follow=True)
    assert "A published bulletin can never be changed" in " ".join(texts_of_messages(refused))
    assert client.get(bulletin_url("add_place", bulletin)).status_code == 302
    place.refresh_from_db()
    assert place.places == 2

    late = services.report_vacancy(group=group, places=1, actor=staff, now=NOW)
    response = client.post(report_url("include", late), {"bulletin": bulletin.pk})
    assert response.status_code == 302  # no draft left in the district: start one first
    assert response["Location"].startswith(reverse("admin:bulletins_bulletin_add"))
    late.refresh_from_db()
    assert late.state == ReportState.PENDING


def test_a_published_bulletin_shows_what_became_of_each_place(client, specialist_a, group):
    bulletin = published_bulletin(specialist_a, {group: 3}, now=NOW)
    BulletinPlace.objects.filter(bulletin=bulletin).update(taken=2, withdrawn=1, released=1)
    client.force_login(specialist_a)

    page = client.get(change_url(bulletin))

    place = page.context["inline_admin_formsets"][0].formset.forms[0].instance
    assert (place.places, place.taken, place.withdrawn, place.released, place.free) == (3, 2, 1, 1, 0)
    for label in ("Taken", "Withdrawn", "Released for the next bulletin", "Free"):
        assert label in page.text


def test_a_specialist_withdraws_places_nobody_took(client, specialist_a, group):
    bulletin = published_bulletin(specialist_a, {group: 2}, now=NOW)
    place = bulletin.places.get()
    client.force_login(specialist_a)
    url = reverse("admin:bulletins_bulletin_withdraw", args=[bulletin.pk, place.pk])
    assert url in client.get(change_url(bulletin)).text

    too_many = client.post(url, {"places": 3})
    assert too_many.status_code == 200
    assert too_many.context["form"].errors["places"]

    done = client.post(url, {"places": 2})

    assert done.status_code == 302
    place.refresh_from_db()
    assert (place.withdrawn, place.free) == (2, 0)
    assert url not in client.get(change_url(bulletin)).text


def test_a_specialist_of_another_district_gets_404_on_the_bulletin(client, specialist_a, specialist_b, group):
    bulletin = published_bulletin(specialist_a, {group: 1}, now=NOW)
    draft = services.create_bulletin(district=specialist_a.districts.get(), actor=specialist_a, now=NOW)
    client.force_login(specialist_b)

    assert client.get(change_url(bulletin)).status_code == 404
    assert client.get(change_url(draft)).status_code == 404
    for name in ("publish", "add_place"):
        assert client.get(bulletin_url(name, draft)).status_code == 404
        assert client.post(bulletin_url(name, draft), {"group": group.pk, "places": 1}).status_code == 404
    assert str(bulletin) not in client.get(reverse("admin:bulletins_bulletin_changelist")).text
    assert (
        client.post(reverse("admin:bulletins_bulletin_add"), {"district": bulletin.district_id}).status_code
        == 200
    )
    assert Bulletin.objects.count() == 2


def test_no_bulletin_is_published_in_august_and_the_specialist_is_told_why(
    client, specialist_a, draft, group
):
    services.add_place(bulletin=draft, group=group, places=1, actor=specialist_a, now=NOW)
    client.force_login(specialist_a)

    with time_machine.travel(datetime.datetime(2026, 8, 10, 11, 0, tzinfo=NOW.tzinfo), tick=False):
        confirmation = client.get(bulletin_url("publish", draft))
        refused = client.post(bulletin_url("publish", draft), follow=True)

    assert "From 1 to 31 August groups move up a year" in confirmation.text
    assert "Yes, publish the bulletin" not in confirmation.text
    assert refused.status_code == 200
    assert any("From 1 to 31 August" in text for text in texts_of_messages(refused))
    draft.refresh_from_db()
    assert draft.status == BulletinStatus.DRAFT


def test_an_empty_bulletin_is_not_published(client, specialist_a, draft):
    client.force_login(specialist_a)

    assert "Add at least one place" in client.get(bulletin_url("publish", draft)).text
    refused = client.post(bulletin_url("publish", draft), follow=True)

    assert any("Add at least one place" in text for text in texts_of_messages(refused))
    draft.refresh_from_db()
    assert draft.status == BulletinStatus.DRAFT


def test_a_refusal_of_a_service_is_a_form_error_not_a_server_error(client, specialist_a, draft, group):
    client.force_login(specialist_a)

    response = client.post(
        bulletin_url("add_place", draft), {"group": group.pk, "places": group.capacity + 1}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["places"] == [f"The group has {group.capacity} places in all."]
    assert not draft.places.exists()


def test_only_groups_of_the_bulletins_district_are_offered(client, specialist_a, draft, group, settlement_b):
    elsewhere = group_in(KindergartenFactory(settlement=settlement_b))
    client.force_login(specialist_a)

    response = client.post(bulletin_url("add_place", draft), {"group": elsewhere.pk, "places": 1})

    assert response.status_code == 200
    assert "group" in response.context["form"].errors
    assert list(response.context["form"].fields["group"].queryset) == [group]


# --- reports --------------------------------------------------------------------------------------


def test_pending_reports_come_first(client, specialist_a, group, staff):
    older = services.report_vacancy(group=group, places=1, actor=staff, now=at(10))
    decided = services.report_vacancy(group=group, places=1, actor=staff, now=at(11))
    newer = services.report_vacancy(group=group, places=1, actor=staff, now=at(12))
    services.decline_report(report=decided, actor=specialist_a, reason="The group is full.", now=at(12))
    client.force_login(specialist_a)

    response = client.get(reverse("admin:bulletins_vacancyreport_changelist"))

    assert list(response.context["cl"].result_list) == [newer, older, decided]
    assert report_url("include", newer) in response.text
    assert report_url("include", decided) not in response.text


def test_a_specialist_declines_a_report_saying_why(client, specialist_a, report):
    client.force_login(specialist_a)

    empty = client.post(report_url("decline", report), {"reason": "  "})
    assert empty.status_code == 200
    assert empty.context["form"].errors["reason"]

    declined = client.post(report_url("decline", report), {"reason": "The group is full after all."})

    assert declined.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.decline_reason) == (ReportState.DECLINED, "The group is full after all.")


def test_selected_reports_go_into_a_draft_together(client, specialist_a, report, draft, group, staff):
    second = services.report_vacancy(group=group_in(group.kindergarten), places=1, actor=staff, now=NOW)
    client.force_login(specialist_a)
    changelist = reverse("admin:bulletins_vacancyreport_changelist")
    selection = {"action": "include_in_bulletin", "_selected_action": [report.pk, second.pk]}

    asked = client.post(changelist, selection)
    assert asked.status_code == 200
    assert list(asked.context["form"].fields["bulletin"].queryset) == [draft]

    done = client.post(changelist, {**selection, "apply": "1", "bulletin": draft.pk})

    assert done.status_code == 302
    assert done["Location"] == change_url(draft)
    assert set(VacancyReport.objects.values_list("state", "bulletin")) == {(ReportState.INCLUDED, draft.pk)}
    assert draft.places.count() == 2


def test_a_specialist_of_another_district_gets_404_on_a_report(client, specialist_b, report, draft):
    client.force_login(specialist_b)

    assert client.get(report_url("include", report)).status_code == 404
    assert client.post(report_url("decline", report), {"reason": "No."}).status_code == 404
    report.refresh_from_db()
    assert report.state == ReportState.PENDING


# --- who gets in -------------------------------------------------------------------------------------


def test_kindergarten_staff_and_parents_get_no_admin(
    client, specialist_a, kindergarten_a, settlement_a, group
):
    bulletin = published_bulletin(specialist_a, {group: 1}, now=NOW)
    # Kindergarten staff are staff (they sign in on the staff page) but work on their own desk.
    staff = kindergarten_staff(kindergarten_a, is_staff=True)
    # The admin's index sends the kindergarten's staff on to their desk; a parent is refused.
    for user, index_answer in ((staff, 302), (parent_of(submit(settlement_a)), 403)):
        client.force_login(user)
        assert client.get(reverse("admin:index")).status_code == index_answer
        assert client.get(change_url(bulletin)).status_code == 403
        assert client.get(reverse("admin:bulletins_vacancyreport_changelist")).status_code == 403
