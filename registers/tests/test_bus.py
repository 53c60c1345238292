"""The bus adapter (zeep) against the loopback SOAP fake: every answer and every failure of the contract."""

import datetime
import itertools

import pytest

from core.iin import Sex, synthetic_iins
from registers import persons
from registers.persons import Person, PersonNotFound, RegisterTimedOut, RegisterUnavailable

from .people import a_person

PARENT_IIN = "930614450012"


def test_a_person_found_comes_back_with_names_dates_and_representatives(fake_bus, person_register):
    child = a_person(representatives=(PARENT_IIN, "880101300011"))
    person_register.add(child)

    answer = persons.person(child.iin, reason="test")

    assert answer == child
    assert answer.is_represented_by(PARENT_IIN)


def test_an_iin_the_register_does_not_hold_is_a_definite_not_found(fake_bus, person_register):
    person_register.add(a_person())

    with pytest.raises(PersonNotFound):
        persons.person(a_person(serial=200).iin, reason="test")


def test_a_deceased_person_is_reported_not_alive(fake_bus, person_register):
    child = a_person(alive=False)
    person_register.add(child)

    assert persons.person(child.iin, reason="test").alive is False


def test_a_person_without_patronymic_or_representatives(fake_bus, person_register):
    child = a_person(patronymic="")
    person_register.add(child)

    answer = persons.person(child.iin, reason="test")

    assert (answer.patronymic, answer.representatives) == ("", ())


def test_the_bus_out_of_service_is_unavailable_not_a_refusal(fake_bus, person_register):
    child = a_person()
    person_register.add(child)
    fake_bus.unavailable = True

    with pytest.raises(RegisterUnavailable, match="SERVICE_UNAVAILABLE") as raised:
        persons.person(child.iin, reason="test")
    assert not isinstance(raised.value, PersonNotFound)


def test_a_time_out_then_the_breaker_then_recovery(fake_bus, person_register, settings):
    child = a_person()
    person_register.add(child)
    fake_bus.delay = 1.0

    with pytest.raises(RegisterTimedOut):
        persons.person(child.iin, reason="test")
    asked = len(fake_bus.received)
    with pytest.raises(RegisterUnavailable, match="not asked again"):
        persons.person(child.iin, reason="test")
    assert len(fake_bus.received) == asked  # the breaker spared the bus a second wait

    fake_bus.delay = 0
    settings.REGISTERS_BREAKER_PAUSE = 0
    from core.breaker import close_all

    close_all()
    assert persons.person(child.iin, reason="test") == child


def test_the_log_names_the_reason_and_never_a_whole_iin(fake_bus, person_register, caplog):
    child = a_person()
    person_register.add(child)

    with caplog.at_level("INFO", logger="kezek.registers"):
        persons.person(child.iin, reason="adding a child")

    assert "adding a child" in caplog.text
    assert child.iin not in caplog.text
    assert child.surname not in caplog.text


def test_the_fakes_file_is_written_from_a_stream_and_answers_by_iin_without_loading_it(tmp_path):
    path = tmp_path / "persons.sqlite3"
    days = [datetime.date(2022, 1, 1) + datetime.timedelta(days=day) for day in range(25)]
    people = [
        Person(iin=iin, surname="Ахметов", name=f"Бала{day.isoformat()}", birth_date=day, sex=Sex.MALE)
        for day in days
        for iin in itertools.islice(synthetic_iins(day, Sex.MALE), 1_000)
    ]  # more than one write batch

    persons.write_fake_records(iter(people), path=path)
    later = a_person(serial=9_000, name="Кейінгі")
    persons.write_fake_records([later], path=path, replace=False)

    assert len(people) > persons.WRITE_BATCH
    assert persons.fake_person(people[-1].iin, path=path) == people[-1]
    assert persons.fake_person(later.iin, path=path).name == "Кейінгі"
    persons.write_fake_records([], path=path)
    assert persons.fake_person(later.iin, path=path) is None
