"""The desk's comparison with the person register, from the dishonest insider's side (issue 18, "Privacy").

A specialist may compare only an application of their own districts, learns
nothing of a child the register does not give to the application's applicant,
and only so many times an hour; every refused attempt is on the record, with a
message in the user's language, and the register is never asked.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from applications import register_desk
from applications.forms import PaperApplicationForm
from applications.models import Application
from applications.tests.factories import child_iin
from applications.tests.test_admin import field_errors, paper_form_data
from audit.models import AuditEvent
from core.iin import Sex
from registers.tests.people import a_person

NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))
BORN = datetime.date(2022, 4, 12)
MOTHER = child_iin(datetime.date(1993, 6, 1), Sex.FEMALE)
SON = child_iin(BORN, Sex.MALE)
INSIDER = child_iin(datetime.date(1990, 1, 5), Sex.MALE)

pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock", "english_pages")]


@pytest.fixture
def register_son(person_register):
    """The register's record of the boy: a name nobody typed, and his mother as his representative."""
    son = a_person(
        BORN, Sex.MALE, iin=SON, surname="Нұрланұлы", name="Тимур", patronymic="", representatives=(MOTHER,)
    )
    person_register.add(son)
    return son


def compare(client, in_settlement, **overrides):
    data = paper_form_data(in_settlement, child_iin=SON, applicant_iin=MOTHER, compare="1")
    data.update(overrides)
    return client.post(reverse("admin:applications_application_add"), data)


def register_requests() -> int:
    return AuditEvent.objects.filter(action="register.person_asked").count()


def refusals() -> list[dict]:
    return [
        event.details
        for event in AuditEvent.objects.filter(action="register.comparison_refused").order_by("pk")
    ]


def test_the_specialist_compares_an_application_of_their_district_and_sees_the_register(
    client, specialist_a, settlement_a, register_son
):
    client.force_login(specialist_a)

    response = compare(client, settlement_a)

    assert "Тимур" in response.text
    assert register_requests() == 1
    assert refusals() == []


def test_another_districts_settlement_forged_into_the_form_is_refused_on_the_record(
    client, specialist_a, settlement_a, settlement_b, register_son
):
    client.force_login(specialist_a)

    response = compare(client, settlement_b)

    assert "Тимур" not in response.text
    assert "only applications of the districts you work for" in response.text
    assert register_requests() == 0
    assert refusals() == [{"refusal": "outside_districts", "iin": SON[:6] + "******"}]
    refused = AuditEvent.objects.get(action="register.comparison_refused")
    assert (refused.actor_id, refused.target_id) == (specialist_a.pk, str(settlement_b.pk))


@pytest.mark.parametrize("forged", ["999999", "1 OR 1=1", ""])
def test_a_settlement_that_no_form_offered_is_refused_on_the_record(
    client, specialist_a, settlement_a, register_son, forged
):
    """Nothing chosen is an honest mistake, shown as one; a value the form never offered is an attempt."""
    client.force_login(specialist_a)

    response = compare(client, settlement_a, settlement=forged)

    assert register_requests() == 0
    assert "Тимур" not in response.text
    if forged:
        assert [refusal["refusal"] for refusal in refusals()] == ["outside_districts"]
    else:
        assert refusals() == []
        assert field_errors(response, "settlement") == ["This field is required."]


def test_the_gate_holds_without_the_form(superuser, specialist_a, settlement_b, register_son):
    """A paper another district's form accepted, compared by this district's specialist, is still refused."""
    form = PaperApplicationForm(superuser, paper_form_data(settlement_b, child_iin=SON, applicant_iin=MOTHER))
    assert form.is_valid(), form.errors

    with pytest.raises(register_desk.ComparisonRefused):
        register_desk.compare_paper(form.intake(), user=specialist_a)

    assert register_requests() == 0
    assert [refusal["refusal"] for refusal in refusals()] == ["outside_districts"]


def test_a_strangers_child_typed_beside_ones_own_iin_reveals_nothing_of_the_child(
    client, specialist_a, settlement_a, register_son
):
    """The register is asked (and that is recorded); its record of another's child is not shown."""
    client.force_login(specialist_a)

    response = compare(client, settlement_a, applicant_iin=INSIDER)

    assert "Тимур" not in response.text
    assert "Нұрланұлы" not in response.text
    assert "so its record of the child is not shown" in response.text
    assert [row["register"] for row in response.context["comparison"]["rows"]] == [""] * 5
    assert AuditEvent.objects.get(action="register.person_asked").details["outcome"] == "differs"


def test_a_strangers_deceased_child_is_not_told_either(client, specialist_a, settlement_a, person_register):
    person_register.add(
        a_person(BORN, Sex.MALE, iin=SON, name="Тимур", representatives=(MOTHER,), alive=False)
    )
    client.force_login(specialist_a)

    response = compare(client, settlement_a, applicant_iin=INSIDER)

    assert "deceased" not in response.text
    assert response.context["comparison"]["differences"] == (
        "the register does not name the applicant as the child's parent or guardian"
    )


def test_too_many_comparisons_in_an_hour_are_refused_on_the_record_and_other_staff_go_on(
    client, specialist_a, second_specialist_a, settlement_a, register_son, monkeypatch
):
    monkeypatch.setattr(register_desk, "COMPARISONS_PER_HOUR", 2)
    client.force_login(specialist_a)

    answered = [compare(client, settlement_a) for _ in range(2)]
    refused = compare(client, settlement_a)

    assert all("Тимур" in response.text for response in answered)
    assert "Тимур" not in refused.text
    assert "You have compared 2 applications with the person register in the last hour" in refused.text
    assert register_requests() == 2
    assert [refusal["refusal"] for refusal in refusals()] == ["too_many_comparisons"]
    client.force_login(second_specialist_a)
    assert "Тимур" in compare(client, settlement_a).text


def test_registering_is_not_rationed_by_the_comparisons(
    client, specialist_a, settlement_a, register_son, monkeypatch
):
    """The limit guards the look-up, never the desk's work: the application is registered all the same."""
    monkeypatch.setattr(register_desk, "COMPARISONS_PER_HOUR", 0)
    client.force_login(specialist_a)
    compare(client, settlement_a)

    client.post(
        reverse("admin:applications_application_add"),
        paper_form_data(settlement_a, child_iin=SON, applicant_iin=MOTHER),
    )

    assert Application.objects.filter(child__iin=SON).exists()


def test_a_national_administrator_compares_in_any_district_within_the_same_limit(
    client, superuser, settlement_b, register_son, monkeypatch
):
    monkeypatch.setattr(register_desk, "COMPARISONS_PER_HOUR", 1)
    client.force_login(superuser)

    assert "Тимур" in compare(client, settlement_b).text
    assert "Тимур" not in compare(client, settlement_b).text
    assert [refusal["refusal"] for refusal in refusals()] == ["too_many_comparisons"]


def test_a_call_centre_operator_cannot_reach_the_comparison(
    client, call_centre_operator, settlement_a, register_son
):
    client.force_login(call_centre_operator)

    response = compare(client, settlement_a)

    assert response.status_code == 403
    assert register_requests() == 0


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", "Сверять с реестром физических лиц можно только заявления районов"),
        ("kk", "тек өзіңіз жұмыс істейтін аудандардың өтініштерін"),
    ],
)
def test_the_refusal_is_told_in_kazakh_and_russian(
    client, settings, specialist_a, settlement_a, settlement_b, register_son, language, words
):
    settings.LANGUAGE_CODE = language
    client.force_login(specialist_a)
    client.cookies["django_language"] = language

    response = compare(client, settlement_b)

    assert words in response.text
