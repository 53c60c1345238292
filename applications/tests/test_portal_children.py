"""A parent's own list of children: adding a child by IIN, and what is refused (issue 3, "Children")."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.shortcuts import resolve_url
from django.urls import reverse

from applications import services
from applications.errors import ChildAlreadyInQueue, NotEligible, OutOfScope
from applications.models import Child, Guardianship
from applications.tests.factories import applicant_details, child_details, child_iin, submit
from audit.models import AuditEvent
from core.iin import Sex

NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))
TOO_OLD = datetime.date(2018, 5, 1)  # seven full years on 1 September 2025


pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]


def add(parent, **overrides):
    return services.add_child(applicant=parent, details=child_details(**overrides), actor=parent.user)


def form_data(**overrides):
    birth_date = overrides.pop("birth_date", datetime.date(2022, 4, 12))
    data = {
        "iin": child_iin(birth_date, Sex.FEMALE),
        "surname": "Омарова",
        "name": "Аружан",
        "patronymic": "",
        "birth_date": birth_date.isoformat(),
        "sex": Sex.FEMALE,
    }
    data.update(overrides)
    return data


def field_errors(response, name):
    return [str(error) for error in response.context["form"].errors.get(name, [])]


# --- the service --------------------------------------------------------------------


def test_add_child_puts_a_new_child_on_the_parents_list_and_records_it(parent):
    guardianship = add(parent)

    assert guardianship.applicant == parent
    assert guardianship.child.full_name == "Ахметов Нұрлан"
    event = AuditEvent.objects.get(action="child.added")
    assert event.actor == parent.user
    assert event.target_id == str(guardianship.child.pk)


def test_a_child_whose_earlier_application_ended_is_reused(parent, settlement_a, superuser):
    details = child_details()
    earlier = submit(settlement_a, child=details)
    services.withdraw_application(application=earlier, actor=superuser)

    guardianship = services.add_child(applicant=parent, details=details, actor=parent.user)

    assert guardianship.child == earlier.child
    assert Child.objects.count() == 1


def test_a_child_in_another_familys_active_application_is_refused_without_their_data(parent, settlement_a):
    details = child_details()
    submit(settlement_a, child=details, applicant=applicant_details(surname="Жанова"))

    with pytest.raises(ChildAlreadyInQueue) as refusal:
        services.add_child(applicant=parent, details=details, actor=parent.user)

    assert "Жанова" not in str(refusal.value)
    assert not Guardianship.objects.exists()


def test_wrong_check_digit_is_refused(parent, english):
    good = child_iin(datetime.date(2022, 4, 12), Sex.MALE)
    bad = good[:11] + str((int(good[11]) + 1) % 10)

    with pytest.raises(ValidationError) as refusal:
        add(parent, iin=bad)

    assert "check" in str(refusal.value.message_dict["iin"])


def test_iin_disagreeing_with_the_birth_date_is_refused(parent, english):
    with pytest.raises(ValidationError) as refusal:
        add(parent, iin=child_iin(datetime.date(2022, 4, 13), Sex.MALE))

    assert "does not match the IIN" in str(refusal.value.message_dict["birth_date"])


def test_a_child_too_old_for_the_queue_is_refused(parent, english):
    with pytest.raises(NotEligible) as refusal:
        add(parent, birth_date=TOO_OLD)

    assert refusal.value.field == "birth_date"
    assert "7 full years old" in str(refusal.value)


def test_a_child_too_old_with_a_pmpk_conclusion_may_be_added(parent):
    details = child_details(birth_date=TOO_OLD)

    guardianship = services.add_child(
        applicant=parent, details=details, actor=parent.user, has_special_needs_conclusion=True
    )

    assert guardianship.child.birth_date == TOO_OLD


def test_the_same_child_twice_is_refused(parent):
    details = child_details()
    services.add_child(applicant=parent, details=details, actor=parent.user)

    with pytest.raises(ValidationError):
        services.add_child(applicant=parent, details=details, actor=parent.user)

    assert Guardianship.objects.count() == 1


def test_a_known_iin_under_other_names_is_refused(parent, settlement_a, superuser):
    details = child_details()
    services.withdraw_application(application=submit(settlement_a, child=details), actor=superuser)

    with pytest.raises(ValidationError):
        services.add_child(
            applicant=parent,
            details=services.ChildDetails(**{**details.__dict__, "surname": "Другой"}),
            actor=parent.user,
        )


def test_nobody_adds_a_child_to_another_parents_list(parent, other_parent):
    with pytest.raises(OutOfScope):
        services.add_child(applicant=parent, details=child_details(), actor=other_parent.user)


# --- the page -------------------------------------------------------------------------


@pytest.mark.usefixtures("english_pages")
def test_the_page_lists_added_children_and_those_of_own_applications(parent, settlement_a, parent_client):
    add(parent, name="Әлихан")
    submit(
        settlement_a,
        child=child_details(name="Мирас"),
        applicant=applicant_details(iin=parent.iin, surname=parent.surname, name=parent.name),
    )

    response = parent_client.get(reverse("applications:children"))

    assert response.status_code == 200
    assert "Ахметов Әлихан" in response.text
    assert "Ахметов Мирас" in response.text
    assert "Add a child" in response.text
    assert "no-store" in response["Cache-Control"]


@pytest.mark.usefixtures("english_pages")
def test_adding_a_child_through_the_page(parent, parent_client):
    response = parent_client.post(reverse("applications:children"), form_data(), follow=True)

    assert response.redirect_chain[-1][0] == reverse("applications:children")
    assert "Омарова Аружан is on your list" in response.text
    assert Guardianship.objects.get().applicant == parent


@pytest.mark.usefixtures("english_pages")
def test_a_wrong_check_digit_shows_on_the_iin_field(parent_client):
    good = child_iin(datetime.date(2022, 4, 12), Sex.FEMALE)

    response = parent_client.post(
        reverse("applications:children"), form_data(iin=good[:11] + str((int(good[11]) + 1) % 10))
    )

    assert response.status_code == 200
    assert any("check" in error for error in field_errors(response, "iin"))
    assert not Guardianship.objects.exists()


@pytest.mark.usefixtures("english_pages")
def test_an_iin_disagreeing_with_the_birth_date_shows_on_the_birth_date(parent_client):
    data = form_data()
    data["birth_date"] = "2022-04-13"

    response = parent_client.post(reverse("applications:children"), data)

    assert any("does not match the IIN" in error for error in field_errors(response, "birth_date"))


@pytest.mark.usefixtures("english_pages")
def test_a_child_too_old_shows_the_reason(parent_client):
    response = parent_client.post(reverse("applications:children"), form_data(birth_date=TOO_OLD))

    assert any("7 full years old" in error for error in field_errors(response, "birth_date"))


@pytest.mark.usefixtures("english_pages")
def test_a_child_in_another_familys_queue_gets_a_message_and_nothing_of_theirs(settlement_a, parent_client):
    data = form_data()
    other = submit(
        settlement_a,
        child=child_details(
            iin=data["iin"],
            surname="Омарова",
            name="Аружан",
            birth_date=datetime.date(2022, 4, 12),
            sex=Sex.FEMALE,
        ),
        applicant=applicant_details(surname="Жанова", name="Сәуле"),
    )

    response = parent_client.post(reverse("applications:children"), data)

    assert any("already has an active application" in error for error in field_errors(response, "iin"))
    assert "Жанова" not in response.text
    assert "Сәуле" not in response.text
    assert other.number not in response.text
    assert other.display_number not in response.text
    assert str(other.settlement) not in response.text


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("applications:children"))

    assert response.status_code == 302
    assert response.url.startswith(resolve_url("accounts:sign_in"))
