"""A parent's own list of children: adding a child by IIN, and what is refused (issue 3, "Children")."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.shortcuts import resolve_url
from django.urls import reverse

from applications import register_checks, services
from applications.errors import ChildAlreadyInQueue, NotEligible, OutOfScope
from applications.models import Child, Guardianship
from applications.tests.factories import applicant_details, child_details, child_iin, submit
from audit.models import AuditEvent
from core.iin import Sex
from registers.tests.people import a_person

NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))
TOO_OLD = datetime.date(2018, 5, 1)  # seven full years on 1 September 2025


pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]


def add(parent, **overrides):
    return services.add_child(applicant=parent, details=child_details(**overrides), actor=parent.user)


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


def registered_child(parent, birth_date=datetime.date(2022, 4, 12), **fields):
    """The register's record of a girl whose legal representative is ``parent``."""
    return a_person(
        birth_date,
        Sex.FEMALE,
        iin=child_iin(birth_date, Sex.FEMALE),
        surname="Омарова",
        name="Аружан",
        patronymic="Ерланқызы",
        representatives=(parent.iin,),
        **fields,
    )


def look_up(client, iin, **extra):
    return client.post(reverse("applications:children"), {"step": "look_up", "iin": iin, **extra})


def confirm(client, iin, **extra):
    return client.post(
        reverse("applications:children"), {"step": "confirm", "iin": iin, **extra}, follow=True
    )


@pytest.mark.usefixtures("english_pages")
def test_the_register_shows_the_childs_data_and_the_parent_confirms(parent, parent_client, person_register):
    child = registered_child(parent)
    person_register.add(child)

    shown = look_up(parent_client, child.iin)

    assert shown.context["found"] == child
    for shown_text in ("Омарова", "Аружан", "Ерланқызы", "12.04.2022", "Female"):
        assert shown_text in shown.text
    assert "Yes, add this child" in shown.text
    assert not Guardianship.objects.exists()  # nothing is added before the parent confirms

    added = confirm(parent_client, child.iin)

    assert added.redirect_chain[-1][0] == reverse("applications:children")
    assert "Омарова Аружан Ерланқызы is on your list" in added.text
    guardianship = Guardianship.objects.get()
    assert guardianship.applicant == parent
    assert (guardianship.child.patronymic, guardianship.child.birth_date) == ("Ерланқызы", child.birth_date)


@pytest.mark.usefixtures("english_pages")
def test_every_register_request_is_audited_with_its_reason_and_outcome(
    parent, parent_client, person_register
):
    child = registered_child(parent)
    person_register.add(child)

    look_up(parent_client, child.iin)
    confirm(parent_client, child.iin)

    asked = AuditEvent.objects.filter(action="register.person_asked").order_by("id")
    assert [(event.details["reason"], event.details["outcome"]) for event in asked] == [
        (register_checks.LOOK_UP, "found"),
        (register_checks.CONFIRM, "found"),
    ]
    assert all(
        event.actor == parent.user and event.details["iin"] == child.iin[:6] + "******" for event in asked
    )
    assert all("Омарова" not in str(event.details) for event in asked)


@pytest.mark.usefixtures("english_pages")
def test_a_stranger_s_child_is_refused_with_what_to_do(parent, other_parent, parent_client, person_register):
    stranger = registered_child(other_parent)
    person_register.add(stranger)

    for response in (look_up(parent_client, stranger.iin), confirm(parent_client, stranger.iin)):
        errors = field_errors(response, "iin")
        assert any("does not name you as this child's parent" in error for error in errors)
        assert any("apply on paper at the education department" in error for error in errors)
        assert "Омарова" not in response.text
    assert not Guardianship.objects.exists()
    assert AuditEvent.objects.filter(details__outcome="not_representative").count() == 2


@pytest.mark.usefixtures("english_pages")
def test_an_iin_the_register_does_not_hold_is_refused(parent_client, person_register):
    response = look_up(parent_client, child_iin(datetime.date(2022, 4, 12), Sex.FEMALE))

    assert any("has no child with this IIN" in error for error in field_errors(response, "iin"))


@pytest.mark.usefixtures("english_pages")
def test_a_deceased_child_is_refused(parent, parent_client, person_register):
    child = registered_child(parent, alive=False)
    person_register.add(child)

    response = confirm(parent_client, child.iin)

    assert any("cannot be added" in error for error in field_errors(response, "iin"))
    assert not Guardianship.objects.exists()


@pytest.mark.usefixtures("english_pages")
def test_a_wrong_check_digit_shows_on_the_iin_field_before_the_register_is_asked(parent_client):
    good = child_iin(datetime.date(2022, 4, 12), Sex.FEMALE)

    response = look_up(parent_client, good[:11] + str((int(good[11]) + 1) % 10))

    assert response.status_code == 200
    assert any("check" in error for error in field_errors(response, "iin"))
    assert not AuditEvent.objects.filter(action="register.person_asked").exists()


@pytest.mark.usefixtures("english_pages")
def test_a_child_too_old_shows_the_reason(parent, parent_client, person_register):
    child = registered_child(parent, birth_date=TOO_OLD)
    person_register.add(child)

    response = confirm(parent_client, child.iin)

    assert any("7 full years old" in error for error in field_errors(response, "iin"))


@pytest.mark.usefixtures("english_pages")
def test_a_child_in_another_familys_queue_gets_a_message_and_nothing_of_theirs(
    parent, settlement_a, parent_client, person_register
):
    child = registered_child(parent)
    person_register.add(child)
    other = submit(
        settlement_a,
        child=register_checks.child_details(child),
        applicant=applicant_details(surname="Жанова", name="Сәуле"),
    )

    response = confirm(parent_client, child.iin)

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


# --- when the register cannot answer (the loopback SOAP fake of the bus) ----------------


@pytest.mark.usefixtures("english_pages")
def test_through_the_bus_the_parent_adds_a_child_the_register_names_them_for(
    parent, parent_client, person_register, fake_bus
):
    child = registered_child(parent)
    person_register.add(child)

    assert look_up(parent_client, child.iin).context["found"] == child
    confirm(parent_client, child.iin)

    assert Guardianship.objects.get().child.iin == child.iin
    assert len(fake_bus.received) == 2


@pytest.mark.usefixtures("english_pages")
@pytest.mark.parametrize("failure", ["unavailable", "delay"])
def test_a_bus_error_or_time_out_asks_for_the_data_by_hand_and_adds_nothing_yet(
    parent, parent_client, person_register, fake_bus, failure
):
    child = registered_child(parent)
    person_register.add(child)
    setattr(fake_bus, failure, True if failure == "unavailable" else 1.0)

    response = look_up(parent_client, child.iin)

    assert response.status_code == 200
    assert "not answering right now" in response.text
    assert response.context["by_hand"] is True
    assert response.context["form"].initial["iin"] == child.iin
    assert "Омарова" not in response.text
    assert not Guardianship.objects.exists()
    assert AuditEvent.objects.get(action="register.person_asked").details["outcome"] == "no_answer"
