"""People for the register's tests: valid IINs for their birth dates and sexes."""

import datetime

from core.iin import Sex, synthetic_iins
from registers.persons import Person


def a_person(birth_date=datetime.date(2022, 4, 12), sex=Sex.MALE, *, serial=100, **fields) -> Person:
    """A person of the register, by default a boy born in 2022 with no representatives."""
    values = {
        "iin": next(synthetic_iins(birth_date, sex, start=serial)),
        "surname": "Ахметов",
        "name": "Нұрлан",
        "patronymic": "Серікұлы",
        "birth_date": birth_date,
        "sex": sex,
    }
    values.update(fields)
    return Person(**values)
