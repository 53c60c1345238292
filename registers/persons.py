"""The person register (ГБД ФЛ): who a person is, by IIN, through a pluggable backend.

``settings.REGISTERS_BACKEND`` names the backend, as ``SMS_BACKEND`` does for
SMS: ``FakePersonRegister`` (development, tests, the demo, the national data
set: records from ``REGISTERS_FAKE_FILE``) or ``registers.bus.BusPersonRegister`` (production: a
SOAP ``SendMessage`` through the integration bus, docs/integrations.md). Both
answer ``person(iin)`` with a ``Person``, or raise ``PersonNotFound`` (a definite
answer: the register has no such IIN) or ``RegisterUnavailable`` (no usable
answer: nothing may be concluded, the caller waits or asks again).

Every call names its ``reason``; the log gets the reason and a masked IIN
(``core.logging.mask``), never the answer.
"""

import datetime
import itertools
import json
import logging
import sqlite3
from collections.abc import Iterable
from contextlib import closing
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
        found = fake_person(iin)
        if found is None:
            raise PersonNotFound(iin)
        return found


#: People written to the fake's file per statement: memory stays flat whatever the count.
WRITE_BATCH = 10_000


def fake_person(iin: str, *, path: Path | None = None) -> Person | None:
    """The fake's record of ``iin``, or None; no file, no records.

    The file is an SQLite database keyed by IIN (``write_fake_records``): one
    indexed read per question, so a national data set's million families answer
    as fast as the demo's dozen, and nothing is held in memory between questions
    (the demo loader, the generator or a test may have just written it).
    """
    path = Path(path or settings.REGISTERS_FAKE_FILE)
    if not path.exists():
        return None
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)) as database:
        try:
            row = database.execute("SELECT record FROM persons WHERE iin = ?", (iin,)).fetchone()
        except sqlite3.OperationalError:  # a file being created: nobody in it yet
            return None
    return from_record(iin, json.loads(row[0])) if row else None


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


def write_fake_records(people: Iterable[Person], *, path: Path | None = None, replace: bool = True) -> Path:
    """Write ``people`` as the fake's records (the demo loader, the generator, tests): the register they read.

    ``replace``: the file holds only these people afterwards; otherwise they are
    added to (or replace, by IIN) the records already there. ``people`` may be a
    generator of any length: it is written ``WRITE_BATCH`` at a time.
    """
    path = Path(path or settings.REGISTERS_FAKE_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=30)) as database:
        database.execute(
            "CREATE TABLE IF NOT EXISTS persons (iin TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID"
        )
        if replace:
            database.execute("DELETE FROM persons")
        people = iter(people)
        while batch := list(itertools.islice(people, WRITE_BATCH)):
            database.executemany(
                "INSERT OR REPLACE INTO persons (iin, record) VALUES (?, ?)",
                [(person.iin, json.dumps(as_record(person), ensure_ascii=False)) for person in batch],
            )
        database.commit()
    return path
