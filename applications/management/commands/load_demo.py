"""Fill a development database with a demo data set: a city, four villages, kindergartens and queues.

Applications are made only through ``applications.services``, at moments spread over
the last three years and in the order they happened, so submission times, classes,
the four-eyes check of benefit documents and the audit trail are exactly what the
service itself produces. A fixed seed makes the data the same on every machine
(relative to the day it is loaded); IINs are synthetic (RULES.md section 6). The
staff logins share one published password and one published authenticator key
(their second factor), so production mode refuses the command.
"""

import base64
import datetime
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import Role
from accounts.forms import CONSENT_VERSION
from accounts.models import Applicant, User
from applications import services
from applications.choices import BenefitCategory, Channel, Relation, Status, Verification
from applications.models import Application, BenefitDocument
from applications.samples import blank_pdf
from core import clock
from core.iin import Sex, synthetic_iins
from directory.choices import GroupLanguage, KindergartenKind, Ownership, SettlementKind
from directory.models import District, Group, Kindergarten, Settlement
from directory.regions import region_of
from dispatch.models import PendingTask
from queues import summary
from queues.choices import BenefitClass
from queues.models import QueueEntry

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
# No Kazakh mobile operator uses the code 799: an SMS gateway wired up by mistake texts nobody.
PHONE_PREFIX = "+7799"
# Serials of synthetic IINs: the demo parents take the first from 7000, everyone else from 7100,
# far from the serials test factories use.
DEMO_PARENT_SERIALS = 7000
RANDOM_SERIALS = 7100

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
VILLAGE_STREETS = (
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

# --- People -------------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
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
    iin = next(synthetic_iins(birth_date, sex, start=DEMO_PARENT_SERIALS))
    return services.ApplicantDetails(iin=iin, surname=surname, name=name, patronymic=patronymic, phone=phone)


DEMO_MOTHER = _demo_parent(
    "Сейітова", "Айгерім", "Болатқызы", datetime.date(1993, 6, 14), Sex.FEMALE, "+77995550101"
)
DEMO_FATHER = _demo_parent(
    "Петров", "Сергей", "Николаевич", datetime.date(1988, 11, 2), Sex.MALE, "+77995550102"
)

# --- What happens to applications ------------------------------------------------


@dataclass(frozen=True)
class Benefit:
    """One application's benefit document and its fate."""

    category: BenefitCategory
    outcome: Verification
    reason: str = ""  # a rejection's reason, which the parent reads
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
    Benefit(
        _B.LARGE_FAMILY, _R,
        "Анықтамада үш бала көрсетілген: көп балалы отбасы үшін төрт және одан да көп бала керек.",
    ),
    Benefit(_B.TEACHER, _R, "Справка с места работы не подписана руководителем и не заверена печатью."),
    Benefit(_B.DISABLED_CHILD_FAMILY, _R, "Скан нечитаем: загрузите справку МСЭ целиком, все страницы."),
    Benefit(
        _B.SPECIAL_NEEDS, _R, "ПМПК қорытындысы басқа балаға берілген: ЖСН сәйкес емес.", queues=(SPECIAL,)
    ),
)  # fmt: skip
# Benefits that end (a disability is re-examined); the others stand until the referral.
EXPIRING = {BenefitCategory.DISABLED_PARENT, BenefitCategory.DISABLED_CHILD_FAMILY}

WITHDRAWN, MOVED = "withdrawn", "moved"  # MOVED: withdrawn in a village, applied again in the city
WITHDRAWALS = 5
WITHDRAWAL_REASONS = (
    "Ата-ананың жазбаша өтініші бойынша.",
    "Ребёнок устроен в частный детский сад, родитель отозвал заявление.",
    "Письменное заявление родителя об отзыве.",
    "Отбасы шетелге көшті.",
)
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


class Command(BaseCommand):
    help = "Fill a development database with demo districts, kindergartens, applications and logins (once)."

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION:
            raise CommandError(
                "load_demo refuses to run in production mode (DJANGO_ENV=production): "
                "its staff logins share a published password."
            )
        started = time.monotonic()
        with transaction.atomic():
            if District.objects.filter(kato_code=MARKER_KATO).exists():
                self.stdout.write(
                    f"The demo data is already loaded (district KATO {MARKER_KATO}); nothing added."
                )
            else:
                taken = User.objects.filter(username__in=[spec.username for spec in STAFF])
                if taken.exists():
                    raise CommandError(
                        f"Users {', '.join(taken.values_list('username', flat=True))} already exist and "
                        "the demo needs those usernames; load it into a fresh database."
                    )
                DemoLoader(random.Random(SEED)).load()
                # Three years of made-up history are news to nobody: drop the notices the
                # use cases scheduled for after the commit, rather than "send" hundreds.
                transaction.get_connection().run_on_commit.clear()
                PendingTask.objects.filter(sent_at__isnull=True).delete()  # not in production: none real
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Demo data loaded in {time.monotonic() - started:.1f} s (seed {SEED})."
                    )
                )
        summary.refresh()  # the front page's figures at once, not at the next beat
        self._write_summary()
        self._write_logins()

    def _write_summary(self) -> None:
        settlements = Settlement.objects.filter(
            district__kato_code__in=[kato for kato, *_ in DISTRICTS.values()]
        )
        kinds = dict(settlements.values_list("kind").annotate(n=Count("id")).order_by())
        kindergartens = Kindergarten.objects.filter(settlement__in=settlements)
        groups = Group.objects.filter(kindergarten__in=kindergartens).aggregate(
            n=Count("id"), places=Sum("capacity")
        )
        applications = Application.objects.filter(settlement__in=settlements)
        statuses = applications.values_list("status").annotate(n=Count("id")).order_by("status")
        entries = QueueEntry.objects.standing().filter(queue__settlement__in=settlements)
        classes = dict(
            entries.filter(queue__kind=GENERAL)
            .values_list("benefit_class")
            .annotate(n=Count("id"))
            .order_by()
        )
        other_queues = (
            entries.exclude(queue__kind=GENERAL)
            .values_list("queue__kind")
            .annotate(n=Count("id"))
            .order_by("queue__kind")
        )
        documents = (
            BenefitDocument.objects.filter(application__in=applications)
            .values_list("verification")
            .annotate(n=Count("id"))
            .order_by("verification")
        )

        def listing(pairs, label) -> str:
            return ", ".join(f"{label(value)} {count}" for value, count in pairs) or "none"

        write = self.stdout.write
        write(
            f"Settlements: {kinds.get(SettlementKind.CITY, 0)} city,"
            f" {kinds.get(SettlementKind.VILLAGE, 0)} villages in {len(DISTRICTS)} districts"
        )
        write(
            f"Kindergartens: {kindergartens.count()}"
            f" ({listing(kindergartens.values_list('kind').annotate(n=Count('id')).order_by(), str)};"
            f" {listing(kindergartens.values_list('ownership').annotate(n=Count('id')).order_by(), str)})"
        )
        write(f"Groups: {groups['n']}, {groups['places'] or 0} places")
        write(f"Applications: {applications.count()}")
        write(f"  by status: {listing(statuses, lambda value: Status(value).label)}")
        write(
            "  by class in the general queues: "
            + listing(
                ((cls, classes.get(cls, 0)) for cls in BenefitClass), lambda value: BenefitClass(value).label
            )
        )
        write(f"  also standing in: {listing(other_queues, lambda value: f'{value} queues')}")
        write(f"Benefit documents: {listing(documents, lambda value: Verification(value).label)}")

    def _write_logins(self) -> None:
        write = self.stdout.write
        write("")
        write(self.style.MIGRATE_HEADING("Demo logins"))
        write(f"  Admin site: {ADMIN_URL}")
        write(f"  Password of every staff login: {DEMO_PASSWORD}")
        width = max(len(spec.username) for spec in STAFF)
        for spec in STAFF:
            write(f"  {spec.username:<{width}}  {spec.description}")
        write("  After the password, staff give the code of an authenticator app: print the current one with")
        write("    .venv/bin/python manage.py demo_totp_code <username>")
        write(f"  or add the key {DEMO_TOTP_SECRET} (time-based) to an authenticator app.")
        write(f"  Parents sign in at {SIGN_IN_URL} with their IIN and phone; the one-time code")
        write("  arrives as a file in var/outbox/ (no SMS leaves this machine):")
        parents = Applicant.objects.filter(iin__in=[DEMO_MOTHER.iin, DEMO_FATHER.iin]).prefetch_related(
            "applications__settlement", "applications__child"
        )
        for parent in sorted(parents, key=lambda parent: parent.phone):
            children = "; ".join(
                f"{application.child.name}, № {application.display_number}, {application.settlement.name_kk}"
                for application in sorted(parent.applications.all(), key=lambda application: application.pk)
            )
            write(f"  IIN {parent.iin}  phone {parent.phone}  {parent.full_name}: {children}")


class DemoLoader:
    """Builds the directory and the staff, plans every application, then plays the plans in time order."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.now = clock.now().replace(microsecond=0)
        self.today = clock.today()
        # RULES.md section 4: children born in these years are of queue age the whole school year.
        self.birth_years = tuple(range(self.today.year - settings.QUEUE_MAX_AGE_YEARS, self.today.year))
        self._iins: dict[tuple, object] = {}
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
        return (
            f"Іле ауданы, {SETTLEMENTS[settlement].name_kk} а., {self.rng.choice(VILLAGE_STREETS)}, {number}"
        )

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
        older = self._child("Сейітов", "Алихан", "Ерланұлы", datetime.date(year - 4, 3, 18), Sex.MALE)
        younger = self._child("Сейітова", "Айша", "Ерланқызы", datetime.date(year - 1, 5, 9), Sex.FEMALE)
        daughter = self._child("Петрова", "София", "Сергеевна", datetime.date(year - 3, 2, 27), Sex.FEMALE)
        city_kindergartens = (0, 1, 4)
        first = Plan(
            child=older,
            applicant=DEMO_MOTHER,
            relation=Relation.MOTHER,
            settlement=THE_CITY,
            language=KK,
            preferred=city_kindergartens,
            channel=Channel.PORTAL,
            now=self._moment(self._earliest(older.birth_date), self.now - datetime.timedelta(days=400)),
        )
        self._add_benefit(first, Benefit(BenefitCategory.LARGE_FAMILY, Verification.CONFIRMED))
        second = Plan(
            child=younger,
            applicant=DEMO_MOTHER,
            relation=Relation.MOTHER,
            settlement=THE_CITY,
            language=KK,
            preferred=city_kindergartens,
            channel=Channel.PORTAL,
            now=self._moment(self._earliest(younger.birth_date), self.now - datetime.timedelta(days=30)),
        )
        self._add_benefit(second, Benefit(BenefitCategory.LARGE_FAMILY, Verification.PENDING))
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
        surname, father = rng.choice(names.surnames), rng.choice(names.men)
        sex = rng.choice((Sex.MALE, Sex.FEMALE))
        child = self._child(
            names.surname(surname, sex),
            rng.choice(names.boys if sex == Sex.MALE else names.girls),
            names.patronymic(father, sex),
            self._birth_date(),
            sex,
        )
        relation, applicant = self._applicant(names, surname, father)
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
        limit = min(3 * 24 * 60, settings.PAPER_APPLICATION_MAX_BACKDATE_DAYS * 24 * 60)
        plan.received_at = plan.now - datetime.timedelta(minutes=self.rng.randint(min(5, limit), limit))
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
        uploaded_on = timezone.localdate(plan.uploaded_at)
        if benefit.category.needs_employer_certificate:
            plan.issued_on = uploaded_on - datetime.timedelta(days=rng.randint(0, 25))
        else:
            plan.issued_on = max(
                plan.child.birth_date, uploaded_on - datetime.timedelta(days=rng.randint(3, 300))
            )
        specialists = DISTRICT_SPECIALISTS[SETTLEMENTS[plan.settlement].district]
        plan.verifier = rng.choice([username for username in specialists if username != uploader])
        if benefit.outcome != Verification.PENDING:
            plan.decided_at = self._moment(
                plan.uploaded_at + datetime.timedelta(hours=2),
                min(plan.uploaded_at + datetime.timedelta(days=6), self.now),
                OFFICE_HOURS,
            )
        if benefit.category in EXPIRING:
            plan.valid_until = self.today + datetime.timedelta(days=rng.randint(150, 700))

    def _applicant(self, names: Names, surname: str, father: str) -> tuple[str, services.ApplicantDetails]:
        rng = self.rng
        relation = rng.choices((Relation.MOTHER, Relation.FATHER, Relation.GUARDIAN), weights=(70, 25, 5))[0]
        if relation == Relation.FATHER:
            sex, name, born = Sex.MALE, father, (1980, 1998)
        else:
            sex, name = Sex.FEMALE, rng.choice(names.women)
            born = (1958, 1972) if relation == Relation.GUARDIAN else (1984, 2001)
        birth_date = datetime.date(rng.randint(*born), rng.randint(1, 12), rng.randint(1, 28))
        return relation, services.ApplicantDetails(
            iin=self._iin(birth_date, sex),
            surname=names.surname(surname, sex),
            name=name,
            patronymic=names.patronymic(rng.choice(names.men), sex),
            phone=self._phone(),
            phone2=self._phone() if rng.random() < 0.4 else "",
        )

    def _child(self, surname, name, patronymic, birth_date, sex) -> services.ChildDetails:
        return services.ChildDetails(
            iin=self._iin(birth_date, sex),
            surname=surname,
            name=name,
            patronymic=patronymic,
            birth_date=birth_date,
            sex=sex,
        )

    def _iin(self, birth_date: datetime.date, sex: str) -> str:
        key = (birth_date, sex)
        if key not in self._iins:
            self._iins[key] = synthetic_iins(birth_date, sex, start=RANDOM_SERIALS)
        return next(self._iins[key])

    def _phone(self) -> str:
        return f"{PHONE_PREFIX}{self.rng.randrange(10**7):07d}"

    def _birth_date(self) -> datetime.date:
        """A birth date in one of the queue's birth years, at least four months ago."""
        year = self.rng.choice(self.birth_years)
        day = datetime.date(year, 1, 1) + datetime.timedelta(days=self.rng.randrange(365))
        return min(day, self.today - datetime.timedelta(days=120))

    def _earliest(self, birth_date: datetime.date) -> datetime.datetime:
        """Parents apply from two weeks after the birth; the demo's history goes three years back."""
        after_birth = timezone.make_aware(datetime.datetime.combine(birth_date, datetime.time()))
        return max(after_birth + datetime.timedelta(days=14), self.now - HISTORY)

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
                document=plan.document, actor=verifier, reason=plan.benefit.reason, now=plan.decided_at
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
