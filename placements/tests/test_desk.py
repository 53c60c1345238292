"""The kindergarten's desk: its own referrals only, enrolment, no-shows, free places; nobody else gets in."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.tests.helpers import code_of, totp_device
from applications.choices import Status
from bulletins import services as bulletin_services
from bulletins.choices import ReportState
from bulletins.models import VacancyReport
from bulletins.tests.factories import (
    MONDAY_14_DECEMBER,
    at,
    group_in,
    kindergarten_staff,
    parent_of,
    published_bulletin,
)
from directory.tests.factories import KindergartenFactory
from placements.choices import ReferralStatus
from placements.models import Enrolment, StopListEntry
from placements.tests.factories import take
from queues.models import QueueEntry

NOW = MONDAY_14_DECEMBER
TUESDAY = at(15, 11)
DESK = "/kindergarten/"


# Tuesday 15 December: the referrals taken the day before are valid through 22 December.
pytestmark = [pytest.mark.clock(TUESDAY), pytest.mark.usefixtures("clock", "english_pages")]


@pytest.fixture
def other_kindergarten(settlement_a):
    return KindergartenFactory(settlement=settlement_a)


@pytest.fixture
def other_group(other_kindergarten):
    return group_in(other_kindergarten, name="Ертегі")


@pytest.fixture
def referral(waiting_four, place):
    """G1's referral to kindergarten A, taken on Monday."""
    return take(waiting_four[0], place, now=NOW + datetime.timedelta(hours=1))


@pytest.fixture
def other_referral(waiting_four, referral, specialist_a, other_group):
    """G3's referral to another kindergarten there (G1 and G2 hold access to the first bulletin)."""
    bulletin = published_bulletin(specialist_a, {other_group: 1}, now=NOW)
    bulletin_services.open_access(bulletin_id=bulletin.pk, now=NOW)
    return take(waiting_four[2], bulletin.places.get(), now=NOW + datetime.timedelta(hours=2))


def desk_url(name, referral):
    return reverse(f"kindergarten_desk:{name}", args=[referral.number])


def texts_of_messages(response):
    return [str(message) for message in response.context["messages"]]


def test_kindergarten_staff_see_the_referrals_of_their_own_kindergarten_only(
    client, staff, referral, other_referral
):
    client.force_login(staff)

    page = client.get(DESK)

    assert page.status_code == 200
    for text in (
        referral.child.full_name,
        referral.group.name,
        "22.12.2026",
        "Issued",
        referral.display_number,
    ):
        assert text in page.text
    assert desk_url("enrol", referral) in page.text
    assert desk_url("no_show", referral) in page.text
    assert [row["referral"] for row in page.context["waiting"]] == [referral]
    assert other_referral.display_number not in page.text
    assert str(other_referral.kindergarten) not in page.text


def test_a_referral_of_another_kindergarten_is_404(client, staff, other_referral):
    client.force_login(staff)

    for name in ("enrol", "no_show"):
        assert client.get(desk_url(name, other_referral)).status_code == 404
        assert client.post(desk_url(name, other_referral)).status_code == 404
    assert client.get(reverse("kindergarten_desk:enrol", args=["0000000000"])).status_code == 404
    other_referral.refresh_from_db()
    assert other_referral.status == ReferralStatus.ISSUED


def test_registering_enrolment_takes_the_child_out_of_every_queue(client, staff, referral, waiting_four):
    g1 = waiting_four[0]
    client.force_login(staff)

    asked = client.get(desk_url("enrol", referral))
    assert asked.status_code == 200
    assert referral.child.iin in asked.text
    assert "It cannot be undone." in asked.text

    done = client.post(desk_url("enrol", referral), follow=True)

    assert done.redirect_chain == [(DESK, 302)]
    assert f"{referral.child.full_name} is enrolled and has left every queue." in texts_of_messages(done)
    referral.refresh_from_db()
    g1.refresh_from_db()
    assert referral.status == ReferralStatus.ENROLLED
    assert Enrolment.objects.get(referral=referral).registered_by == staff
    assert g1.status == Status.ENROLLED
    assert not QueueEntry.objects.standing().filter(application=g1).exists()
    assert desk_url("enrol", referral) not in done.text


def test_documents_that_never_came_annul_the_referral(client, staff, referral, waiting_four):
    g1 = waiting_four[0]
    client.force_login(staff)
    assert "stop-list for 10 days" in client.get(desk_url("no_show", referral)).text

    done = client.post(desk_url("no_show", referral), follow=True)

    assert any("is annulled" in text for text in texts_of_messages(done))
    referral.refresh_from_db()
    g1.refresh_from_db()
    assert referral.status == ReferralStatus.ANNULLED
    assert g1.status == Status.STOP_LIST
    assert StopListEntry.objects.filter(referral=referral).exists()
    assert VacancyReport.objects.filter(released_from=referral.place, state=ReportState.PENDING).exists()


def test_a_referral_past_its_validity_is_not_enrolled(client, staff, referral):
    # Valid through Tuesday 22 December; the nightly job has not annulled it yet.
    with time_machine.travel(at(23, 9), tick=False):
        client.force_login(staff)
        page = client.get(DESK)
        refused = client.post(desk_url("enrol", referral), follow=True)

    assert "validity has ended" in page.text
    assert desk_url("enrol", referral) not in page.text
    assert "This referral's validity has ended." in texts_of_messages(refused)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ISSUED


def test_kindergarten_staff_report_free_places_of_their_own_groups(client, staff, group, other_group):
    client.force_login(staff)
    url = reverse("kindergarten_desk:free_places")
    assert list(client.get(url).context["form"].fields["group"].queryset) == [group]

    foreign = client.post(url, {"group": other_group.pk, "places": 1})
    none = client.post(url, {"group": group.pk, "places": 0})
    too_many = client.post(url, {"group": group.pk, "places": group.capacity + 1})
    assert [response.status_code for response in (foreign, none, too_many)] == [200, 200, 200]
    assert foreign.context["form"].errors["group"]
    assert none.context["form"].errors["places"]
    assert too_many.context["form"].errors["places"] == [f"The group has {group.capacity} places in all."]
    assert not VacancyReport.objects.exists()

    done = client.post(url, {"group": group.pk, "places": 2}, follow=True)

    report = VacancyReport.objects.get()
    assert (report.group, report.places, report.reported_by, report.state) == (
        group,
        2,
        staff,
        ReportState.PENDING,
    )
    assert done.redirect_chain == [(url, 302)]
    assert "Awaiting review" in done.text


@pytest.mark.parametrize("name", ["referrals", "free_places", "enrol"])
def test_nobody_but_kindergarten_staff_gets_the_desk(
    client, name, referral, specialist_a, call_centre_operator, superuser, waiting_four
):
    url = desk_url(name, referral) if name == "enrol" else reverse(f"kindergarten_desk:{name}")
    for user in (specialist_a, call_centre_operator, superuser, parent_of(waiting_four[1])):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ISSUED


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(client):
    response = client.get(DESK)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:login") + "?next=/kindergarten/"


def test_staff_sign_in_on_the_staff_page_and_land_on_the_desk(client, kindergarten_a):
    head = kindergarten_staff(kindergarten_a, username="head_of_a", is_staff=True)
    login = reverse("admin:login") + "?next=/kindergarten/"

    password_step = client.post(
        login, {"username": "head_of_a", "password": "a-long-test-password", "next": DESK}
    )
    response = client.post(password_step.url, {"code": code_of(totp_device(head)), "next": DESK}, follow=True)

    assert password_step.url == reverse("accounts:second_factor") + "?next=%2Fkindergarten%2F"
    assert response.redirect_chain == [(DESK, 302)]
    assert response.status_code == 200
    assert client.get(reverse("admin:index")).url == DESK
    assert client.get(reverse("admin:applications_application_changelist")).status_code == 403


def test_the_desk_is_never_cached_and_signs_out(client, staff):
    client.force_login(staff)

    page = client.get(DESK)

    assert "no-store" in page["Cache-Control"]
    assert f'action="{reverse("accounts:sign_out")}"' in page.text
    client.post(reverse("accounts:sign_out"))
    assert client.get(DESK).status_code == 302


def test_the_desk_reads_its_referrals_in_a_fixed_number_of_queries(
    client, staff, referral, waiting_four, specialist_a, group, django_assert_max_num_queries
):
    more = published_bulletin(specialist_a, {group: 2}, now=NOW)
    bulletin_services.open_access(bulletin_id=more.pk, now=NOW)
    for application in waiting_four[2:]:
        take(application, more.places.get(), now=NOW + datetime.timedelta(hours=3))
    client.force_login(staff)

    with django_assert_max_num_queries(6):  # with the session's second-factor device
        page = client.get(DESK)

    assert len(page.context["waiting"]) == 3
