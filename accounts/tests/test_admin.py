"""Users and applicants in the admin: only administrators manage staff; applicants are read-only."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.choices import Role
from accounts.models import Applicant, CodePurpose, User
from accounts.tests.factories import UserFactory
from applications.tests.factories import submit
from audit.models import AuditEvent
from core.tests.admin_search import admin_search

pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def administrator(db):
    return UserFactory(username="administrator", role=Role.ADMINISTRATOR, is_staff=True)


def user_data(user, **overrides):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "districts": [district.pk for district in user.districts.all()],
        "is_active": "on",
        "is_staff": "on",
    }
    data.update(overrides)
    return data


def test_specialist_cannot_open_the_user_admin(client, specialist_a, district_b):
    client.force_login(specialist_a)
    own_page = reverse("admin:accounts_user_change", args=[specialist_a.pk])

    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(own_page).status_code == 403
    response = client.post(
        own_page, user_data(specialist_a, districts=[specialist_a.districts.get().pk, district_b.pk])
    )
    assert response.status_code == 403
    assert not specialist_a.districts.filter(pk=district_b.pk).exists()


def test_administrator_assigns_districts_and_the_change_is_recorded(
    client, administrator, specialist_a, district_b
):
    client.force_login(administrator)
    districts = [specialist_a.districts.get().pk, district_b.pk]

    response = client.post(
        reverse("admin:accounts_user_change", args=[specialist_a.pk]),
        user_data(specialist_a, districts=districts),
    )

    assert response.status_code == 302
    assert sorted(specialist_a.districts.values_list("pk", flat=True)) == sorted(districts)
    event = AuditEvent.objects.get(action="user.changed", target_id=str(specialist_a.pk))
    assert event.actor == administrator


def test_administrator_works_in_the_admin_without_permission_tables(client, administrator, settlement_b):
    application = submit(settlement_b)
    client.force_login(administrator)

    index = client.get(reverse("admin:index"))
    page = client.get(reverse("admin:applications_application_change", args=[application.pk]))

    assert reverse("admin:accounts_user_changelist") in index.text
    assert reverse("admin:applications_application_changelist") in index.text
    assert page.status_code == 200


def test_administrator_cannot_make_a_superuser(client, administrator, specialist_a):
    client.force_login(administrator)

    client.post(
        reverse("admin:accounts_user_change", args=[specialist_a.pk]),
        user_data(specialist_a, is_superuser="on"),
    )

    specialist_a.refresh_from_db()
    assert not specialist_a.is_superuser


def test_administrator_cannot_edit_a_superuser(client, administrator, superuser):
    client.force_login(administrator)

    response = client.post(
        reverse("admin:accounts_user_change", args=[superuser.pk]), user_data(superuser, is_staff="")
    )

    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.is_staff


def test_no_user_is_deleted_through_the_admin(client, superuser, specialist_a):
    client.force_login(superuser)

    response = client.post(reverse("admin:accounts_user_delete", args=[specialist_a.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert User.objects.filter(pk=specialist_a.pk).exists()


def test_specialist_sees_applicants_of_their_districts_only(client, specialist_a, settlement_a, settlement_b):
    own = submit(settlement_a).applicant
    other = submit(settlement_b).applicant
    client.force_login(specialist_a)

    listing = client.get(reverse("admin:accounts_applicant_changelist"))
    other_page = client.get(reverse("admin:accounts_applicant_change", args=[other.pk]))

    assert own.iin in listing.text
    assert other.iin not in listing.text
    assert other_page.status_code == 404


def test_applicant_is_found_by_iin_and_cannot_be_edited(client, specialist_a, settlement_a):
    wanted = submit(settlement_a).applicant
    unwanted = submit(settlement_a).applicant
    client.force_login(specialist_a)
    url = reverse("admin:accounts_applicant_change", args=[wanted.pk])

    found = admin_search(client, reverse("admin:accounts_applicant_changelist"), wanted.iin)
    post = client.post(url, {"iin": unwanted.iin, "surname": "Changed", "phone": "+77010000000"})

    assert wanted.iin in found.text
    assert unwanted.iin not in found.text
    assert post.status_code == 403
    assert Applicant.objects.get(pk=wanted.pk).surname == wanted.surname


@pytest.fixture
def code_row(settlement_a, sending):
    """A sign-in code sent to a parent of district A: a row naming their IIN, phone and address."""
    applicant = submit(settlement_a).applicant
    with sending():
        return services.request_code(
            iin=applicant.iin, phone=applicant.phone, purpose=CodePurpose.SIGN_IN, client_ip="203.0.113.9"
        )


def test_a_district_specialist_never_sees_one_time_code_rows(client, specialist_a, code_row):
    client.force_login(specialist_a)

    assert client.get(reverse("admin:accounts_onetimecode_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_onetimecode_change", args=[code_row.pk])).status_code in (
        403,
        404,
    )
    assert "onetimecode" not in client.get(reverse("admin:index")).text


def test_a_superuser_sees_one_time_code_rows_with_the_iin_and_phone_masked(client, superuser, code_row):
    client.force_login(superuser)

    listing = client.get(reverse("admin:accounts_onetimecode_changelist")).text
    page = client.get(reverse("admin:accounts_onetimecode_change", args=[code_row.pk])).text

    for text in (listing, page):
        assert code_row.iin[:6] + "******" in text
        assert "+7******" + code_row.phone[-4:] in text
        assert code_row.iin not in text
        assert code_row.phone not in text
    assert "203.0.113.9" in page
