"""The demo data set of ``manage.py load_demo``: a city, four villages, kindergartens, queues and logins.

Applications are made only through ``applications.services``, at moments spread over
the last three years and in the order they happened, so submission times, classes,
the four-eyes check of benefit documents and the audit trail are exactly what the
service itself produces. A fixed seed makes the data the same on every machine
(relative to the day it is loaded); people, IINs, phones and documents are drawn
by the rules of ``generation.rules`` (RULES.md section 6: no real IIN). The
staff logins share one published password and one published authenticator key
(their second factor), so production mode refuses the command.
"""

import base64
import datetime
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import Role
from accounts.forms import CONSENT_VERSION
from accounts.models import User
from applications import services
from applications.choices import BenefitCategory, Channel, Relation, Verification
from applications.models import Application, BenefitDocument
from applications.samples import blank_pdf
from core import clock
from core.iin import Sex
from directory.choices import GroupLanguage, KindergartenKind, Ownership, SettlementKind
from directory.models import District, Group, Kindergarten, Settlement
from directory.regions import region_of
from generation import rules
from generation.rules import GROUP_NAMES, KAZAKH, RUSSIAN, STREETS, WITHDRAWAL_REASONS, Names
from registers import persons as register

SEED = 2026
DEMO_PASSWORD = "kezek-demo-2026"  # noqa: S105 - printed on purpose; production refuses the command
# Every demo staff login's authenticator key (the second factor), printed on purpose like the password.
DEMO_TOTP_KEY = b"kezek-demo-totp-2026".hex()
DEMO_TOTP_SECRET = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
ADMIN_URL = "http://127.0.0.1:8000/admin/"
SIGN_IN_URL = "http://127.0.0.1:8000/sign-in/"
DESK_URL = "http://127.0.0.1:8000/admin/login/?next=/kindergarten/"
RANDOM_APPLICATIONS = 297
HISTORY = datetime.timedelta(days=3 * 365)

KK, RU, MIXED = GroupLanguage.KAZAKH, GroupLanguage.RUSSIAN, GroupLanguage.MIXED
GENERAL, SPECIAL, SANATORIUM = KindergartenKind.GENERAL, KindergartenKind.SPECIAL, KindergartenKind.SANATORIUM
STATE, PRIVATE = Ownership.STATE, Ownership.PRIVATE

# --- The directory ------------------------------------------------------------------

CITY, RURAL = "city", "rural"
DISTRICTS = {
    CITY: ("191600000", "Қонаев қаласы", "город Конаев"),
    RURAL: ("194600000", "Іле ауданы", "Илийский район"),
}
MARKER_KATO = DISTRICTS[CITY][0]


@dataclass(frozen=True)
class SettlementSpec:
    kato_code: str
    name_kk: str
    name_ru: str
    kind: SettlementKind
    district: str
    weight: int  # its share of the applications


SETTLEMENTS = (
    SettlementSpec("191610000", "Қонаев", "Конаев", SettlementKind.CITY, CITY, 75),
    SettlementSpec("194630100", "Өтеген батыр", "Отеген батыр", SettlementKind.VILLAGE, RURAL, 9),
    SettlementSpec("194633100", "Жетіген", "Жетыген", SettlementKind.VILLAGE, RURAL, 6),
    SettlementSpec("194635100", "Байсерке", "Байсерке", SettlementKind.VILLAGE, RURAL, 6),
    SettlementSpec("194637100", "Ащыбұлақ", "Ащибулак", SettlementKind.VILLAGE, RURAL, 4),
)
THE_CITY = 0
VILLAGES = tuple(index for index, spec in enumerate(SETTLEMENTS) if spec.district == RURAL)


@dataclass(frozen=True)
class KindergartenSpec:
    settlement: int
    name_kk: str
    name_ru: str
    languages: tuple[str, ...]
    kind: KindergartenKind = GENERAL
    ownership: Ownership = STATE


KINDERGARTENS = (
    KindergartenSpec(0, "№1 «Балдырған» бөбекжай-бақшасы", "Ясли-сад №1 «Балдырган»", (KK,)),
    KindergartenSpec(0, "№2 «Ақбота» бөбекжай-бақшасы", "Ясли-сад №2 «Акбота»", (KK, RU)),
    KindergartenSpec(0, "№3 «Күншуақ» бөбекжай-бақшасы", "Ясли-сад №3 «Куншуак»", (KK,)),
    KindergartenSpec(0, "№4 «Еркетай» бөбекжай-бақшасы", "Ясли-сад №4 «Еркетай»", (KK, RU)),
    KindergartenSpec(0, "№5 «Айгөлек» бөбекжай-бақшасы", "Ясли-сад №5 «Айголек»", (KK,)),
    KindergartenSpec(0, "№6 «Балбөбек» бөбекжай-бақшасы", "Ясли-сад №6 «Балбобек»", (RU, MIXED)),
    KindergartenSpec(0, "№7 «Қуаныш» бөбекжай-бақшасы", "Ясли-сад №7 «Куаныш»", (KK,)),
    KindergartenSpec(0, "№8 «Шаттық» бөбекжай-бақшасы", "Ясли-сад №8 «Шаттык»", (KK, RU)),
    KindergartenSpec(
        0, "№9 арнайы (түзету) балабақшасы", "Специальный (коррекционный) детский сад №9", (KK, RU), SPECIAL
    ),
    KindergartenSpec(
        0,
        "№10 «Саулық» санаторлық бөбекжай-бақшасы",
        "Санаторный ясли-сад №10 «Саулык»",
        (KK, RU),
        SANATORIUM,
    ),
    KindergartenSpec(0, "№11 «Жұлдыз» бөбекжай-бақшасы", "Ясли-сад №11 «Жулдыз»", (KK,)),
    KindergartenSpec(0, "№12 «Бәйтерек» бөбекжай-бақшасы", "Ясли-сад №12 «Байтерек»", (KK, MIXED)),
    KindergartenSpec(0, "№14 «Арай» бөбекжай-бақшасы", "Ясли-сад №14 «Арай»", (KK,)),
    KindergartenSpec(
        0,
        "«Кішкентай данышпан» жеке балабақшасы",
        "Частный детский сад «Маленький гений»",
        (RU, MIXED),
        ownership=PRIVATE,
    ),
    KindergartenSpec(
        0, "«Нұрсәт» жеке балабақшасы", "Частный детский сад «Нурсат»", (KK,), ownership=PRIVATE
    ),
    KindergartenSpec(
        0, "«Ертегі» жеке балабақшасы", "Частный детский сад «Сказка»", (MIXED,), ownership=PRIVATE
    ),
    KindergartenSpec(
        0, "«Балапан» жеке балабақшасы", "Частный детский сад «Балапан»", (KK, RU), ownership=PRIVATE
    ),
    KindergartenSpec(1, "«Самал» бөбекжай-бақшасы", "Ясли-сад «Самал»", (KK, RU)),
    KindergartenSpec(
        1, "«Мөлдір» жеке балабақшасы", "Частный детский сад «Мольдир»", (KK,), ownership=PRIVATE
    ),
    KindergartenSpec(2, "«Ақниет» бөбекжай-бақшасы", "Ясли-сад «Акниет»", (KK, RU)),
    KindergartenSpec(3, "«Гүлдер» бөбекжай-бақшасы", "Ясли-сад «Гульдер»", (KK,)),
    KindergartenSpec(4, "«Балауса» шағын орталығы", "Мини-центр «Балауса»", (KK,)),
)

CITY_STREETS = (
    "Қонаев көшесі", "Абай көшесі", "Наурызбай батыр көшесі", "Төле би көшесі", "Жамбыл көшесі",
    "Индустриялық көшесі", "Сейфуллин көшесі", "Момышұлы көшесі", "1 шағын аудан", "4 шағын аудан",
)  # fmt: skip
# --- People -------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    role: Role
    district: str | None
    description: str
    is_superuser: bool = False


STAFF = (
    StaffSpec("admin", "Әсел", "Нұрпейісова", Role.ADMINISTRATOR, None, "administrator, superuser", True),
    StaffSpec("specialist.city", "Айнұр", "Қасымова", Role.SPECIALIST, CITY, "specialist, Қонаев қаласы"),
    StaffSpec(
        "specialist.city2", "Марат", "Есенов", Role.SPECIALIST, CITY,
        "specialist, Қонаев қаласы (verifies what specialist.city uploads, and the reverse)",
    ),
    StaffSpec("specialist.rural", "Гүлмира", "Бекова", Role.SPECIALIST, RURAL, "specialist, Іле ауданы"),
    StaffSpec("operator", "Ольга", "Ким", Role.CALL_CENTRE, None, "call-centre operator, read-only"),
    StaffSpec(
        "kindergarten.city", "Сәуле", "Әбдірахманова", Role.KINDERGARTEN, None,
        f"kindergarten staff of the city's first kindergarten: desk at {DESK_URL}",
    ),
)  # fmt: skip
CITY_SPECIALISTS = ("specialist.city", "specialist.city2")
DISTRICT_SPECIALISTS = {CITY: CITY_SPECIALISTS, RURAL: ("specialist.rural",)}


def _demo_parent(surname, name, patronymic, birth_date, sex, phone) -> services.ApplicantDetails:
    iin = rules.IinSource(rules.DEMO_PARENT_SERIALS).take(birth_date, sex)
    return services.ApplicantDetails(iin=iin, surname=surname, name=name, patronymic=patronymic, phone=phone)


DEMO_MOTHER = _demo_parent(
    "Сейітова", "Айгерім", "Болатқызы", datetime.date(1993, 6, 14), Sex.FEMALE, "+77995550101"
)
DEMO_FATHER = _demo_parent(
    "Петров", "Сергей", "Николаевич", datetime.date(1988, 11, 2), Sex.MALE, "+77995550102"
)


def demo_newcomers(today: datetime.date) -> tuple[register.Person, register.Person]:
    """Two children the person register knows and no list holds yet: the demo mother's son, the father's.

    The mother adds her son by IIN in the cabinet; the father's son is a stranger's child to her,
    and the register refuses him (issue 18). Two years old whenever the demo is loaded.
    """
    source = rules.IinSource(rules.DEMO_PARENT_SERIALS)
    son = datetime.date(today.year - 2, 1, 20)
    strangers = datetime.date(today.year - 2, 8, 3)
    return (
        register.Person(
            iin=source.take(son, Sex.MALE),
            surname="Сейітов",
            name="Нұрлан",
            patronymic="Ерланұлы",
            birth_date=son,
            sex=Sex.MALE,
            representatives=(DEMO_MOTHER.iin,),
        ),
        register.Person(
            iin=source.take(strangers, Sex.MALE),
            surname="Петров",
            name="Максим",
            patronymic="Сергеевич",
            birth_date=strangers,
            sex=Sex.MALE,
            representatives=(DEMO_FATHER.iin,),
        ),
    )


# --- What happens to applications ------------------------------------------------


@dataclass(frozen=True)
class Benefit:
    """One application's benefit document and its fate."""

    category: BenefitCategory
    outcome: Verification
    late: bool = False  # brought to the department after applying: the submission time stays (RULES.md 6)
    queues: tuple[str, ...] = ()  # special or sanatorium queues, which need the PMPK conclusion

    @property
    def in_city(self) -> bool:
        """Late documents and special queues go to the city: two specialists, the special kindergartens."""
        return self.late or bool(self.queues)


_B, _C, _P, _R = BenefitCategory, Verification.CONFIRMED, Verification.PENDING, Verification.REJECTED
BENEFITS = (
    # Out-of-turn, confirmed: about 2% of the applications.
    Benefit(_B.SERVICEMAN, _C),
    Benefit(_B.SERVICEMAN, _C, late=True),
    Benefit(_B.SPECIAL_STATE_BODY, _C),
    Benefit(_B.TEACHER, _C),
    Benefit(_B.TEACHER, _C),
    Benefit(_B.TEACHER, _C, late=True),
    # First-turn, confirmed: about 5%.
    *[Benefit(_B.LARGE_FAMILY, _C)] * 6,
    *[Benefit(_B.DISABLED_PARENT, _C)] * 2,
    Benefit(_B.ORPHAN, _C),
    *[Benefit(_B.DISABLED_CHILD_FAMILY, _C)] * 2,
    *[Benefit(_B.SPECIAL_NEEDS, _C, queues=(SPECIAL,))] * 2,
    Benefit(_B.SPECIAL_NEEDS, _C, queues=(SPECIAL, SANATORIUM)),
    Benefit(_B.SPECIAL_NEEDS, _C, queues=(SANATORIUM,)),
    # Awaiting verification.
    Benefit(_B.SERVICEMAN, _P),
    Benefit(_B.TEACHER, _P, late=True),
    *[Benefit(_B.LARGE_FAMILY, _P)] * 3,
    Benefit(_B.DISABLED_PARENT, _P),
    Benefit(_B.SPECIAL_NEEDS, _P, queues=(SPECIAL,)),
    # Rejected, with the reason the parent reads.
    Benefit(_B.LARGE_FAMILY, _R),
    Benefit(_B.TEACHER, _R),
    Benefit(_B.DISABLED_CHILD_FAMILY, _R),
    Benefit(_B.SPECIAL_NEEDS, _R, queues=(SPECIAL,)),
)  # fmt: skip

WITHDRAWN, MOVED = "withdrawn", "moved"  # MOVED: withdrawn in a village, applied again in the city
WITHDRAWALS = 5
MOVED_REASON = "Семья переехала в Конаев; заявление подано там заново."

PORTAL_HOURS = (7, 23)
OFFICE_HOURS = (9, 17)


@dataclass
class Plan:
    """One application to make, and what follows it; ``application`` is set once it is submitted."""

    child: services.ChildDetails
    applicant: services.ApplicantDetails
    relation: str
    settlement: int
    language: str
    preferred: tuple[int, ...]
    channel: Channel
    now: datetime.datetime
    received_at: datetime.datetime | None = None
    clerk: str = ""  # the specialist entering a paper application or a late document
    benefit: Benefit | None = None
    uploaded_at: datetime.datetime | None = None
    issued_on: datetime.date | None = None
    verifier: str = ""
    decided_at: datetime.datetime | None = None
    valid_until: datetime.date | None = None
    withdrawn_at: datetime.datetime | None = None
    withdrawal_reason: str = ""
    withdrawn_by: str = ""
    application: Application | None = None
    document: BenefitDocument | None = None


def register_of(plans, *, newcomers=()) -> list[register.Person]:
    """The person register of the demo families: every child with its applicants as representatives."""
    children: dict[str, register.Person] = {person.iin: person for person in newcomers}
    for plan in plans:
        child = plan.child
        known = children.get(child.iin)
        representatives = (*(known.representatives if known else ()), plan.applicant.iin)
        children[child.iin] = register.Person(
            iin=child.iin,
            surname=child.surname,
            name=child.name,
            patronymic=child.patronymic,
            birth_date=child.birth_date,
            sex=child.sex,
            representatives=tuple(dict.fromkeys(representatives)),
        )
    return list(children.values())


class DemoLoader:
    """Builds the directory and the staff, plans every application, then plays the plans in time order."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.now = clock.now().replace(microsecond=0)
        self.today = clock.today()
        # RULES.md section 4: children born in these years are of queue age the whole school year.
        self.birth_years = tuple(range(self.today.year - settings.QUEUE_MAX_AGE_YEARS, self.today.year))
        self.iins = rules.IinSource(rules.DEMO_SERIALS)
        self.settlements: list[Settlement] = []
        self.kindergartens: list[Kindergarten] = []
        self.staff: dict[str, User] = {}

    def load(self) -> None:
        self._build_directory()
        self._build_staff()
        plans = self._demo_parent_plans()
        slots = [*BENEFITS, MOVED, *[WITHDRAWN] * WITHDRAWALS]
        slots += [None] * (RANDOM_APPLICATIONS - len(slots))
        self.rng.shuffle(slots)
        for slot in slots:
            plans.append(self._random_plan(slot))
            if slot == MOVED:
                plans.append(self._moved_plan(plans[-1]))
        self._play(plans)
        register.write_fake_records(register_of(plans, newcomers=demo_newcomers(self.today)))

    # --- directory and staff ---

    def _build_directory(self) -> None:
        districts = {
            key: District.objects.create(
                kato_code=kato, name_kk=name_kk, name_ru=name_ru, region=region_of(kato)
            )
            for key, (kato, name_kk, name_ru) in DISTRICTS.items()
        }
        for spec in SETTLEMENTS:
            settlement = Settlement(
                kato_code=spec.kato_code,
                name_kk=spec.name_kk,
                name_ru=spec.name_ru,
                kind=spec.kind,
                district=districts[spec.district],
            )
            settlement.full_clean()
            settlement.save()
            self.settlements.append(settlement)
        groups = []
        for spec in KINDERGARTENS:
            kindergarten = Kindergarten(
                settlement=self.settlements[spec.settlement],
                name_kk=spec.name_kk,
                name_ru=spec.name_ru,
                kind=spec.kind,
                ownership=spec.ownership,
                address=self._address(spec.settlement),
                phone=self._landline(spec.settlement),
            )
            kindergarten.full_clean()
            kindergarten.save()
            self.kindergartens.append(kindergarten)
            names = iter(GROUP_NAMES)
            for birth_year, language in itertools.product(self.birth_years, spec.languages):
                groups.append(
                    Group(
                        kindergarten=kindergarten,
                        name=f"{next(names)} ({birth_year})",
                        birth_year=birth_year,
                        language=language,
                        kind=spec.kind,
                        capacity=self._capacity(spec, youngest=birth_year == self.birth_years[-1]),
                    )
                )
        Group.objects.bulk_create(groups)

    def _address(self, settlement: int) -> str:
        number = self.rng.randint(1, 60)
        if settlement == THE_CITY:
            return f"Қонаев қ., {self.rng.choice(CITY_STREETS)}, {number}"
        return f"Іле ауданы, {SETTLEMENTS[settlement].name_kk} а., {self.rng.choice(STREETS)}, {number}"

    def _landline(self, settlement: int) -> str:
        code = "72772" if settlement == THE_CITY else "72752"
        return f"+7 {code} {self.rng.randint(20000, 59999)}"

    def _capacity(self, spec: KindergartenSpec, *, youngest: bool) -> int:
        if spec.kind == SPECIAL:
            return self.rng.randint(8, 12)
        if spec.kind == SANATORIUM or spec.ownership == PRIVATE or youngest:
            return self.rng.randint(15, 20)
        return self.rng.randint(20, 30)

    def _build_staff(self) -> None:
        districts = {district.kato_code: district for district in District.objects.all()}
        # One hash for the one shared password: hashing is deliberately slow, ~0.7 s each.
        password = make_password(DEMO_PASSWORD)
        for spec in STAFF:
            user = User(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                role=spec.role,
                is_staff=True,
                is_superuser=spec.is_superuser,
            )
            user.password = password
            user.save()
            TOTPDevice.objects.create(user=user, name="demo", key=DEMO_TOTP_KEY, confirmed=True)
            if spec.district:
                user.districts.set([districts[DISTRICTS[spec.district][0]]])
            if spec.role == Role.KINDERGARTEN:
                user.kindergartens.set([self._first_city_kindergarten()])
            self.staff[spec.username] = user

    @staticmethod
    def _first_city_kindergarten() -> Kindergarten:
        city = SETTLEMENTS[THE_CITY].kato_code
        return Kindergarten.objects.filter(settlement__kato_code=city).earliest("pk")

    # --- plans ---

    def _demo_parent_plans(self) -> list[Plan]:
        """Two parents to sign in as: a mother of two in the city, a father in a village (on paper)."""
        year = self.today.year
        older = self._child(
            rules.Person("Сейітов", "Алихан", "Ерланұлы", datetime.date(year - 4, 3, 18), Sex.MALE)
        )
        younger = self._child(
            rules.Person("Сейітова", "Айша", "Ерланқызы", datetime.date(year - 1, 5, 9), Sex.FEMALE)
        )
        daughter = self._child(
            rules.Person("Петрова", "София", "Сергеевна", datetime.date(year - 3, 2, 27), Sex.FEMALE)
        )
        first = self._mothers_plan(older, datetime.timedelta(days=400), Verification.CONFIRMED)
        second = self._mothers_plan(younger, datetime.timedelta(days=30), Verification.PENDING)
        third = Plan(
            child=daughter,
            applicant=DEMO_FATHER,
            relation=Relation.FATHER,
            settlement=VILLAGES[0],
            language=RU,
            preferred=(17,),
            channel=Channel.EDUCATION_DEPARTMENT,
            now=self._moment(
                self._earliest(daughter.birth_date), self.now - datetime.timedelta(days=200), OFFICE_HOURS
            ),
        )
        self._enter_on_paper(third)
        return [first, second, third]

    def _mothers_plan(self, child, before: datetime.timedelta, verification: Verification) -> Plan:
        """One of the demo mother's two applications in the city, each with a large-family certificate."""
        plan = Plan(
            child=child,
            applicant=DEMO_MOTHER,
            relation=Relation.MOTHER,
            settlement=THE_CITY,
            language=KK,
            preferred=(0, 1, 4),
            channel=Channel.PORTAL,
            now=self._moment(self._earliest(child.birth_date), self.now - before),
        )
        self._add_benefit(plan, Benefit(BenefitCategory.LARGE_FAMILY, verification))
        return plan

    def _random_plan(self, slot) -> Plan:
        rng = self.rng
        benefit = slot if isinstance(slot, Benefit) else None
        if slot == MOVED:
            settlement = rng.choice(VILLAGES)
        elif benefit and benefit.in_city:
            settlement = THE_CITY
        else:
            settlement = rng.choices(range(len(SETTLEMENTS)), weights=[spec.weight for spec in SETTLEMENTS])[
                0
            ]
        names = KAZAKH if rng.random() < (0.7 if settlement == THE_CITY else 0.85) else RUSSIAN
        family, father = rng.choice(names.surnames), rng.choice(names.men)
        sex = rng.choice((Sex.MALE, Sex.FEMALE))
        child = self._child(
            rules.child(rng, names, family=family, father=father, sex=sex, birth_date=self._birth_date())
        )
        relation, applicant = self._applicant(names, family, father)
        if names is KAZAKH:
            language = rng.choices((KK, RU, MIXED), weights=(85, 10, 5))[0]
        else:
            language = rng.choices((RU, MIXED), weights=(80, 20))[0]
        queues = benefit.queues if benefit else ()
        candidates = [
            index
            for index, spec in enumerate(KINDERGARTENS)
            if spec.settlement == settlement and (spec.kind == GENERAL or spec.kind in queues)
        ]
        paper = rng.random() < 0.2 and not (benefit and settlement != THE_CITY)
        if slot in (WITHDRAWN, MOVED) or (benefit and benefit.late):
            margin = datetime.timedelta(days=60)
        elif benefit and benefit.outcome != Verification.PENDING:
            margin = datetime.timedelta(days=10)
        else:
            margin = datetime.timedelta(hours=1)
        plan = Plan(
            child=child,
            applicant=applicant,
            relation=relation,
            settlement=settlement,
            language=language,
            preferred=tuple(rng.sample(candidates, rng.randint(0, min(3, len(candidates))))),
            channel=Channel.EDUCATION_DEPARTMENT if paper else Channel.PORTAL,
            now=self._moment(
                self._earliest(child.birth_date), self.now - margin, OFFICE_HOURS if paper else PORTAL_HOURS
            ),
        )
        if paper:
            self._enter_on_paper(plan)
        if benefit:
            self._add_benefit(plan, benefit)
        if slot in (WITHDRAWN, MOVED):
            plan.withdrawn_at = self._moment(
                plan.now + datetime.timedelta(days=14), self.now - datetime.timedelta(days=30), OFFICE_HOURS
            )
            plan.withdrawn_by = rng.choice(DISTRICT_SPECIALISTS[SETTLEMENTS[settlement].district])
            plan.withdrawal_reason = MOVED_REASON if slot == MOVED else rng.choice(WITHDRAWAL_REASONS)
        return plan

    def _moved_plan(self, withdrawn: Plan) -> Plan:
        """After moving, the same child applies again in the city: allowed once the old one is withdrawn."""
        candidates = [index for index, spec in enumerate(KINDERGARTENS) if spec.settlement == THE_CITY]
        return Plan(
            child=withdrawn.child,
            applicant=withdrawn.applicant,
            relation=withdrawn.relation,
            settlement=THE_CITY,
            language=withdrawn.language,
            preferred=tuple(self.rng.sample(candidates, 2)),
            channel=Channel.PORTAL,
            now=self._moment(
                withdrawn.withdrawn_at + datetime.timedelta(days=1),
                withdrawn.withdrawn_at + datetime.timedelta(days=20),
            ),
        )

    def _enter_on_paper(self, plan: Plan) -> None:
        """A paper application, received a little before a specialist of the district registers it."""
        plan.received_at = plan.now - rules.received_before(self.rng)
        plan.clerk = self.rng.choice(DISTRICT_SPECIALISTS[SETTLEMENTS[plan.settlement].district])

    def _add_benefit(self, plan: Plan, benefit: Benefit) -> None:
        """When the document arrives, who uploads and who decides it (four eyes), and when."""
        rng = self.rng
        plan.benefit = benefit
        uploader = plan.clerk
        if benefit.late:
            plan.uploaded_at = self._moment(
                plan.now + datetime.timedelta(days=20), self.now - datetime.timedelta(days=10), OFFICE_HOURS
            )
            uploader = CITY_SPECIALISTS[0]
        else:
            plan.uploaded_at = plan.now
        plan.issued_on = rules.issued_on(
            rng, benefit.category, timezone.localdate(plan.uploaded_at), plan.child.birth_date
        )
        specialists = DISTRICT_SPECIALISTS[SETTLEMENTS[plan.settlement].district]
        plan.verifier = rng.choice([username for username in specialists if username != uploader])
        if benefit.outcome != Verification.PENDING:
            soonest, latest = rules.DECIDED_AFTER
            plan.decided_at = self._moment(
                plan.uploaded_at + soonest, min(plan.uploaded_at + latest, self.now), OFFICE_HOURS
            )
        plan.valid_until = rules.valid_until(rng, benefit.category, self.today)

    def _applicant(self, names: Names, family: str, father: str) -> tuple[str, services.ApplicantDetails]:
        rng = self.rng
        (relation,) = rules.relations(rng)
        person = rules.parent(rng, names, relation, family=family, father=father, year=self.today.year)
        return relation, services.ApplicantDetails(
            iin=self.iins.take(person.birth_date, person.sex),
            surname=person.surname,
            name=person.name,
            patronymic=person.patronymic,
            phone=self._phone(),
            phone2=self._phone() if rng.random() < 0.4 else "",
        )

    def _child(self, person: rules.Person) -> services.ChildDetails:
        return services.ChildDetails(
            iin=self.iins.take(person.birth_date, person.sex),
            surname=person.surname,
            name=person.name,
            patronymic=person.patronymic,
            birth_date=person.birth_date,
            sex=person.sex,
        )

    def _phone(self) -> str:
        return rules.mobile_number(self.rng.randrange(10**7))

    def _birth_date(self) -> datetime.date:
        """A birth date in one of the queue's birth years, at least four months ago."""
        year = self.rng.choice(self.birth_years)
        day = datetime.date(year, 1, 1) + datetime.timedelta(days=self.rng.randrange(365))
        return min(day, self.today - datetime.timedelta(days=120))

    def _earliest(self, birth_date: datetime.date) -> datetime.datetime:
        """Parents apply from two weeks after the birth; the demo's history goes three years back."""
        after_birth = timezone.make_aware(datetime.datetime.combine(birth_date, datetime.time()))
        return max(after_birth + rules.APPLY_AFTER_BIRTH, self.now - HISTORY)

    def _moment(self, earliest, latest, hours=PORTAL_HOURS) -> datetime.datetime:
        """A moment between the two, at a whole second and (where the bounds allow) within ``hours``."""
        latest = max(latest, earliest)
        moment = timezone.localtime(earliest + (latest - earliest) * self.rng.random())
        moment = moment.replace(
            hour=self.rng.randint(*hours),
            minute=self.rng.randrange(60),
            second=self.rng.randrange(60),
            microsecond=0,
        )
        return min(max(moment, earliest), latest)

    # --- playing the plans through the services ---

    def _play(self, plans: list[Plan]) -> None:
        """Call the services in the order things happened, so ids follow registration order (RULES.md 3)."""
        events: list[tuple[datetime.datetime, int, Callable[[Plan], None], Plan]] = []
        order = itertools.count()
        for plan in plans:
            events.append((plan.now, next(order), self._submit, plan))
            if plan.benefit and plan.benefit.late:
                events.append((plan.uploaded_at, next(order), self._add_late_document, plan))
            if plan.decided_at:
                events.append((plan.decided_at, next(order), self._decide, plan))
            if plan.withdrawn_at:
                events.append((plan.withdrawn_at, next(order), self._withdraw, plan))
        events.sort(key=lambda event: event[:2])
        for _when, _order, action, plan in events:
            action(plan)

    def _submit(self, plan: Plan) -> None:
        benefit = plan.benefit
        documents = [] if benefit is None or benefit.late else [self._upload(plan)]
        plan.application = services.submit_application(
            child=plan.child,
            applicant=plan.applicant,
            relation=plan.relation,
            settlement=self.settlements[plan.settlement],
            preferred_language=plan.language,
            channel=plan.channel,
            actor=self.staff[plan.clerk] if plan.clerk else None,
            wants_special=bool(benefit) and SPECIAL in benefit.queues,
            wants_sanatorium=bool(benefit) and SANATORIUM in benefit.queues,
            preferred_kindergartens=[self.kindergartens[index] for index in plan.preferred],
            documents=documents,
            received_at=plan.received_at,
            consent_version=CONSENT_VERSION if plan.channel in services.STAFF_CHANNELS else "",
            now=plan.now,
        )
        if documents:
            plan.document = plan.application.benefit_documents.get()

    def _add_late_document(self, plan: Plan) -> None:
        plan.document = services.add_benefit_document(
            application=plan.application,
            upload=self._upload(plan),
            actor=self.staff[CITY_SPECIALISTS[0]],
            now=plan.uploaded_at,
        )

    def _decide(self, plan: Plan) -> None:
        verifier = self.staff[plan.verifier]
        if plan.benefit.outcome == Verification.CONFIRMED:
            services.confirm_benefit(
                document=plan.document, actor=verifier, valid_until=plan.valid_until, now=plan.decided_at
            )
        else:
            services.reject_benefit(
                document=plan.document,
                actor=verifier,
                reason=rules.REJECTION_REASONS[plan.benefit.category],
                now=plan.decided_at,
            )

    def _withdraw(self, plan: Plan) -> None:
        services.withdraw_application(
            application=plan.application,
            actor=self.staff[plan.withdrawn_by],
            reason=plan.withdrawal_reason,
            now=plan.withdrawn_at,
        )

    def _upload(self, plan: Plan) -> services.DocumentUpload:
        file = SimpleUploadedFile(f"{plan.benefit.category}.pdf", blank_pdf())
        return services.DocumentUpload(category=plan.benefit.category, file=file, issued_on=plan.issued_on)
