"""The rules every generated person and document follows, once for the demo and the national data set.

``generation.demo`` plays a few hundred applications through the services and
``generation.national`` writes a million rows with COPY, but a parent, a child,
an IIN, a phone number or a benefit document is drawn the same way in both, by
the functions here, each from the caller's seeded ``random.Random``.

Everything drawn is marked as synthetic: phone numbers use the operator code
799, which no Kazakh operator has, and each generator takes IIN serials from
its own range, far from the test factories (which count from 0), the drills
(hundreds) and the bench's sign-ups (``bench.figures.BENCH_SERIALS``, 8000 on).
"""

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings

from applications.choices import BenefitCategory, Relation
from core.iin import Sex, synthetic_iins

# --- IIN serials and phone numbers -------------------------------------------------------

#: The national data set's serials, 2000 to 6999: room for 5,000 people born on one day of one sex.
NATIONAL_SERIALS = range(2000, 7000)
#: The demo's two parents to sign in as take the first serial from 7000; everybody else from 7100.
DEMO_PARENT_SERIALS = range(7000, 7100)
DEMO_SERIALS = range(7100, 8000)
#: No Kazakh mobile operator uses the code 799: an SMS gateway wired up by mistake texts nobody.
PHONE_PREFIX = "+7799"


def mobile_number(serial: int) -> str:
    """The synthetic mobile number ``serial`` (taken modulo ten million), in the form parents type it."""
    return f"{PHONE_PREFIX}{serial % 10**7:07d}"


class IinSource:
    """Distinct synthetic IINs, serial by serial within ``serials``, for any birth date and sex."""

    def __init__(self, serials: range):
        self.serials = serials
        self._supplies: dict[tuple[datetime.date, str], Iterator[str]] = {}

    def take(self, birth_date: datetime.date, sex: str) -> str:
        key = (birth_date, sex)
        if key not in self._supplies:
            self._supplies[key] = synthetic_iins(birth_date, sex, start=self.serials.start)
        iin = next(self._supplies[key], None)
        if iin is None or int(iin[7:11]) not in self.serials:
            raise RuntimeError(f"More than {len(self.serials)} people of one sex born on {birth_date}.")
        return iin


# --- People ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """The names of one language: a family's surname, a child's or a parent's name, and the patronymic."""

    boys: tuple[str, ...]
    girls: tuple[str, ...]
    men: tuple[str, ...]
    women: tuple[str, ...]
    surnames: tuple[str, ...]  # the male form; the female form adds "а"
    patronymics: dict[str, tuple[str, str]] | None = None  # Russian: the father's name -> (son's, daughter's)

    def surname(self, surname: str, sex: str) -> str:
        return surname if sex == Sex.MALE else f"{surname}а"

    def patronymic(self, father: str, sex: str) -> str:
        if self.patronymics is None:
            return f"{father}{'ұлы' if sex == Sex.MALE else 'қызы'}"
        return self.patronymics[father][sex != Sex.MALE]


KAZAKH = Names(
    boys=("Алихан", "Нұрислам", "Айсұлтан", "Ерасыл", "Алдияр", "Омар", "Иса", "Рамазан", "Әлинұр", "Нұрали"),
    girls=("Айару", "Айша", "Аяла", "Медина", "Томирис", "Інжу", "Жансая", "Асылым", "Раяна", "Аружан"),
    men=("Ерлан", "Асқар", "Данияр", "Бауыржан", "Ержан", "Нұрлан", "Талғат", "Серік", "Қайрат", "Болат"),
    women=("Айгерім", "Гүлнар", "Динара", "Жанар", "Әсем", "Мадина", "Сәуле", "Ақмарал", "Алия", "Назерке"),
    surnames=(
        "Ахметов", "Омаров", "Жұмабаев", "Нұрланов", "Төлеуов", "Серікбаев", "Қасымов",
        "Әбдірахманов", "Бекмұханов", "Мұратов", "Сәрсенов", "Ермеков", "Оспанов", "Исаев",
    ),
)  # fmt: skip
RUSSIAN = Names(
    boys=("Артём", "Максим", "Александр", "Михаил", "Дмитрий", "Иван", "Матвей"),
    girls=("София", "Анна", "Мария", "Алиса", "Виктория", "Ева", "Полина"),
    men=("Сергей", "Андрей", "Алексей", "Дмитрий", "Евгений", "Владимир", "Николай", "Игорь"),
    women=("Елена", "Ольга", "Наталья", "Татьяна", "Анастасия", "Екатерина"),
    surnames=("Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Ковалёв", "Морозов", "Волков"),
    patronymics={
        "Сергей": ("Сергеевич", "Сергеевна"),
        "Андрей": ("Андреевич", "Андреевна"),
        "Алексей": ("Алексеевич", "Алексеевна"),
        "Дмитрий": ("Дмитриевич", "Дмитриевна"),
        "Евгений": ("Евгеньевич", "Евгеньевна"),
        "Владимир": ("Владимирович", "Владимировна"),
        "Николай": ("Николаевич", "Николаевна"),
        "Игорь": ("Игоревич", "Игоревна"),
    },
)


@dataclass(frozen=True)
class Person:
    """A drawn child or parent, before any generator gives them an IIN or writes them anywhere."""

    surname: str
    name: str
    patronymic: str
    birth_date: datetime.date
    sex: str


#: Who applies: mostly mothers, a quarter fathers, a few guardians.
RELATIONS = (Relation.MOTHER, Relation.FATHER, Relation.GUARDIAN)
RELATION_WEIGHTS = (70, 25, 5)
#: A parent's age in the year of the data set, youngest and oldest, by relation.
#:
#: The oldest child a queue holds was born ``QUEUE_MAX_AGE_YEARS`` (six) years
#: before this year, and every parent was an adult (18) in that year: so no
#: mother is younger than 24. Mothers are at most 42, past which births are
#: rare; fathers are two years older at both ends, as fathers usually are a
#: little older than mothers. A guardian is most often a grandmother, 50 to 68. The ranges
#: are ages, not years, so a data set drawn in any year has the same families;
#: the demo and the national data set once had two sets of years that differed
#: by up to three years at each end, and a national mother could be 17.
PARENT_AGES = {Relation.MOTHER: (24, 42), Relation.FATHER: (26, 46), Relation.GUARDIAN: (50, 68)}


def relations(rng: random.Random, k: int = 1) -> list[str]:
    """``k`` applicants' relations to their child, at the weights above."""
    return rng.choices(RELATIONS, RELATION_WEIGHTS, k=k)


def parent(rng: random.Random, names: Names, relation: str, *, family: str, father: str, year: int) -> Person:
    """The applicant of a child of the ``family`` surname whose father is named ``father``.

    A father is the child's father; a mother or a guardian is a woman (a
    guardian, most often the grandmother, takes the family's surname too).
    """
    sex = Sex.MALE if relation == Relation.FATHER else Sex.FEMALE
    name = father if sex == Sex.MALE else rng.choice(names.women)
    youngest, oldest = PARENT_AGES[relation]
    birth_date = datetime.date(year - rng.randint(youngest, oldest), rng.randint(1, 12), rng.randint(1, 28))
    patronymic = names.patronymic(rng.choice(names.men), sex)
    return Person(names.surname(family, sex), name, patronymic, birth_date, sex)


def child(
    rng: random.Random, names: Names, *, family: str, father: str, sex: str, birth_date: datetime.date
) -> Person:
    """A child of the ``family`` surname: a name of the child's sex, the patronymic from the father's name."""
    name = rng.choice(names.boys if sex == Sex.MALE else names.girls)
    return Person(names.surname(family, sex), name, names.patronymic(father, sex), birth_date, sex)


#: Parents apply from two weeks after the birth (the birth certificate comes first).
APPLY_AFTER_BIRTH = datetime.timedelta(days=14)


def received_before(rng: random.Random) -> datetime.timedelta:
    """How long before its registration a paper application was received: five minutes to three days.

    Never longer than a specialist may date a paper application back
    (``PAPER_APPLICATION_MAX_BACKDATE_DAYS``).
    """
    latest = min(3 * 86400, settings.PAPER_APPLICATION_MAX_BACKDATE_DAYS * 86400)
    return datetime.timedelta(seconds=rng.randint(min(300, latest), latest))


# --- Benefit documents and decisions -----------------------------------------------------

#: Benefits that end (a disability is re-examined); the others stand until the referral.
EXPIRING = {BenefitCategory.DISABLED_PARENT, BenefitCategory.DISABLED_CHILD_FAMILY}
#: The reasons a specialist gives for a rejected document, which the parent reads.
REJECTION_REASONS = {
    BenefitCategory.LARGE_FAMILY: (
        "Анықтамада үш бала көрсетілген: көп балалы отбасы үшін төрт және одан да көп бала керек."
    ),
    BenefitCategory.TEACHER: "Справка с места работы не подписана руководителем и не заверена печатью.",
    BenefitCategory.DISABLED_CHILD_FAMILY: "Скан нечитаем: загрузите справку МСЭ целиком, все страницы.",
    BenefitCategory.SPECIAL_NEEDS: "ПМПК қорытындысы басқа балаға берілген: ЖСН сәйкес емес.",
}
WITHDRAWAL_REASONS = (
    "Ата-ананың жазбаша өтініші бойынша.",
    "Ребёнок устроен в частный детский сад, родитель отозвал заявление.",
    "Письменное заявление родителя об отзыве.",
    "Отбасы шетелге көшті.",
)
#: A specialist decides a document two hours to six days after it arrives (four eyes take a while).
DECIDED_AFTER = (datetime.timedelta(hours=2), datetime.timedelta(days=6))


def issued_on(
    rng: random.Random, category: str, uploaded_on: datetime.date, birth_date: datetime.date
) -> datetime.date:
    """A document's date of issue: an employer certificate within its month (RULES.md section 6),
    any other up to ten months before the upload, never before the child was born.
    """
    if BenefitCategory(category).needs_employer_certificate:
        return uploaded_on - datetime.timedelta(days=rng.randint(0, 25))
    return max(birth_date, uploaded_on - datetime.timedelta(days=rng.randint(3, 300)))


def valid_until(rng: random.Random, category: str, today: datetime.date) -> datetime.date | None:
    """The last day an expiring benefit counts, five months to two years ahead; None for the others."""
    if category not in EXPIRING:
        return None
    return today + datetime.timedelta(days=rng.randint(150, 700))


# --- Places --------------------------------------------------------------------------------

STREETS = (
    "Абай көшесі",
    "Бейбітшілік көшесі",
    "Тәуелсіздік көшесі",
    "Жібек жолы көшесі",
    "Мектеп көшесі",
)
GROUP_NAMES = (
    "Балапан", "Құлыншақ", "Ботақан", "Қарлығаш", "Күншуақ", "Бөбектер",
    "Жұлдызай", "Гүлдер", "Шұғыла", "Аққу", "Көбелек", "Ерке",
)  # fmt: skip
