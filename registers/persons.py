"""The person register (ГБД ФЛ): who a person is, by IIN, through a pluggable backend.

``settings.REGISTERS_BACKEND`` names the backend, as ``SMS_BACKEND`` does for
SMS: ``FakePersonRegister`` (development, tests, the demo: records from
``REGISTERS_FAKE_FILE``) or ``registers.bus.BusPersonRegister`` (production: a
SOAP ``SendMessage`` through the integration bus, docs/integrations.md). Both
answer ``person(iin)`` with a ``Person``, or raise ``PersonNotFound`` (a definite
answer: the register has no such IIN) or ``RegisterUnavailable`` (no usable
answer: nothing may be concluded, the caller waits or asks again).

Every call names its ``reason``; the log gets the reason and a masked IIN
(``core.logging.mask``), never the answer.
"""

import datetime
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from core.logging import mask

logger = logging.getLogger("kezek.registers")


@dataclass(frozen=True)
class Person:
    """What the register says of one person: the fields Kezek needs, nothing more."""

    iin: str
    surname: str
    name: str
    birth_date: datetime.date
    sex: str  # core.iin.Sex
    patronymic: str = ""
    alive: bool = True
    #: For a minor: the IINs of the legal parents and guardians.
    representatives: tuple[str, ...] = field(default_factory=tuple)

    def is_represented_by(self, iin: str) -> bool:
        return iin in self.representatives


class PersonNotFound(Exception):
    """The register answered: no person has this IIN."""


class RegisterUnavailable(Exception):
    """The register gave no usable answer (unreachable, out of service, too slow, outside the contract)."""


class RegisterTimedOut(RegisterUnavailable):
    """The register did not answer within ``REGISTERS_TIMEOUT`` seconds."""


def person(iin: str, *, reason: str) -> Person:
    """The register's record of ``iin``, asked for ``reason`` (PersonNotFound, RegisterUnavailable)."""
    backend = import_string(settings.REGISTERS_BACKEND)()
    try:
        found = backend.person(iin)
    except PersonNotFound:
        logger.info("Person register asked about %s (%s): not found", mask(iin), reason)
        raise
    except RegisterUnavailable as error:
        logger.warning("Person register asked about %s (%s): no answer, %s", mask(iin), reason, error)
        raise
    logger.info("Person register asked about %s (%s): found", mask(iin), reason)
    return found


# --- the fake ----------------------------------------------------------------------------


class FakePersonRegister:
    """The register of development, tests and the demo: the records of ``REGISTERS_FAKE_FILE``."""

    def person(self, iin: str) -> Person:
        found = fake_records().get(iin)
        if found is None:
            raise PersonNotFound(iin)
        return found


def fake_records() -> dict[str, Person]:
    """The fake's records: a JSON object of IIN to person (``as_record``); no file, no records.

    Read on every call: the file is small, and the demo loader or a test may
    have just written it.
    """
    path = Path(settings.REGISTERS_FAKE_FILE)
    if not path.exists():
        return {}
    records = json.loads(path.read_text(encoding="utf-8"))
    return {iin: from_record(iin, record) for iin, record in records.items()}


def as_record(person: Person) -> dict:
    """A person as one value of the fake's file."""
    return {
        "surname": person.surname,
        "name": person.name,
        "patronymic": person.patronymic,
        "birth_date": person.birth_date.isoformat(),
        "sex": person.sex,
        "alive": person.alive,
        "representatives": list(person.representatives),
    }


def from_record(iin: str, record: dict) -> Person:
    return Person(
        iin=iin,
        surname=record["surname"],
        name=record["name"],
        patronymic=record.get("patronymic", ""),
        birth_date=datetime.date.fromisoformat(record["birth_date"]),
        sex=record["sex"],
        alive=record.get("alive", True),
        representatives=tuple(record.get("representatives", ())),
    )


def write_fake_records(people, *, path: Path | None = None) -> Path:
    """Write ``people`` as the fake's file (the demo loader, tests): the register they will read."""
    path = Path(path or settings.REGISTERS_FAKE_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    records = {person.iin: as_record(person) for person in people}
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
