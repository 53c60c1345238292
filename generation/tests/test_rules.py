"""The one set of rules both generators draw people and documents by (``generation.rules``)."""

import datetime
import random

import pytest
from django.conf import settings

from accounts.models import phone_validator
from applications.choices import BenefitCategory, Relation
from core.iin import Sex, check_iin_matches
from generation import rules

YEAR = 2026


@pytest.mark.parametrize("relation", rules.RELATIONS)
def test_every_applicant_was_an_adult_when_the_oldest_child_a_queue_holds_was_born(relation):
    rng = random.Random(1)
    oldest_child_born = YEAR - settings.QUEUE_MAX_AGE_YEARS
    for _draw in range(500):
        parent = rules.parent(rng, rules.KAZAKH, relation, family="Ахметов", father="Ерлан", year=YEAR)
        assert oldest_child_born - parent.birth_date.year >= 18


def test_a_father_is_the_childs_father_and_mothers_and_guardians_are_women():
    rng = random.Random(2)
    father = rules.parent(rng, rules.RUSSIAN, Relation.FATHER, family="Петров", father="Игорь", year=YEAR)
    assert (father.sex, father.name, father.surname) == (Sex.MALE, "Игорь", "Петров")
    for relation in (Relation.MOTHER, Relation.GUARDIAN):
        woman = rules.parent(rng, rules.RUSSIAN, relation, family="Петров", father="Игорь", year=YEAR)
        assert (woman.sex, woman.surname) == (Sex.FEMALE, "Петрова")
        assert woman.name in rules.RUSSIAN.women


def test_a_child_takes_the_family_name_and_the_fathers_name_as_patronymic():
    rng = random.Random(3)
    born = datetime.date(2022, 4, 12)
    daughter = rules.child(
        rng, rules.KAZAKH, family="Омаров", father="Ерлан", sex=Sex.FEMALE, birth_date=born
    )
    son = rules.child(rng, rules.RUSSIAN, family="Петров", father="Игорь", sex=Sex.MALE, birth_date=born)
    assert (daughter.surname, daughter.patronymic) == ("Омарова", "Ерланқызы")
    assert (son.surname, son.patronymic) == ("Петров", "Игоревич")


def take_until_refused(source: rules.IinSource, born: datetime.date) -> tuple[list[str], str]:
    taken = []
    try:
        while True:
            taken.append(source.take(born, Sex.FEMALE))
    except RuntimeError as refusal:
        return taken, str(refusal)


def test_iins_agree_with_birth_date_and_sex_and_stay_inside_their_serials():
    born = datetime.date(1990, 1, 1)
    iins, refusal = take_until_refused(rules.IinSource(range(100, 110)), born)
    assert 5 <= len(set(iins)) == len(iins) <= 10
    for iin in iins:
        check_iin_matches(iin, birth_date=born, sex=Sex.FEMALE)
        assert 100 <= int(iin[7:11]) < 110
    assert "More than 10 people" in refusal


def test_generated_phone_numbers_are_mobile_numbers_of_the_unused_operator_code():
    for serial in (0, 1234567, 10**7 + 5):
        number = rules.mobile_number(serial)
        phone_validator(number)
        assert number.startswith("+7799")


def test_an_employer_certificate_is_issued_within_its_month_and_no_document_before_the_birth():
    rng = random.Random(4)
    uploaded_on, born = datetime.date(2026, 3, 12), datetime.date(2026, 1, 20)
    for _draw in range(200):
        certificate = rules.issued_on(rng, BenefitCategory.TEACHER, uploaded_on, born)
        assert uploaded_on - datetime.timedelta(days=25) <= certificate <= uploaded_on
        assert born <= rules.issued_on(rng, BenefitCategory.LARGE_FAMILY, uploaded_on, born) <= uploaded_on


def test_only_a_disability_benefit_ends():
    rng, today = random.Random(5), datetime.date(2026, 3, 12)
    assert rules.valid_until(rng, BenefitCategory.LARGE_FAMILY, today) is None
    last_day = rules.valid_until(rng, BenefitCategory.DISABLED_PARENT, today)
    assert today + datetime.timedelta(days=150) <= last_day <= today + datetime.timedelta(days=700)


def test_a_paper_application_is_never_received_earlier_than_a_specialist_may_date_it_back(settings):
    settings.PAPER_APPLICATION_MAX_BACKDATE_DAYS = 1
    rng = random.Random(6)
    assert all(rules.received_before(rng) <= datetime.timedelta(days=1) for _draw in range(200))
