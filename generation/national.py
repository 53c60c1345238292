"""A synthetic country for load tests and benchmarks (issue 7): directory, parents, children, queues.

``generation.demo`` plays a few hundred applications through the services; a national
data set has a million, which the services would take hours to write one by
one. So this module draws every row in Python from a seeded random generator
and streams it into PostgreSQL with ``COPY``, in one transaction: the database
still checks every constraint of the models (unique IINs and numbers, one
active application per child, classes, reasons, decisions), and a constraint
the database cannot check (a valid IIN agreeing with the birth date and sex,
a phone number's shape, the age rule) holds by construction and is tested.

Shape of the country, chosen to resemble Kazakhstan's queue:
- settlements with a long-tailed size: one big city whose largest queue holds
  ``largest_queue`` children, the others in a Zipf tail down to villages with a
  handful of applications in each birth year;
- children of the last seven birth years, most queued at one to four years old;
- about 93% general, 5% first-turn and 2% out-of-turn applications (confirmed
  documents), plus pending and rejected documents that count as none; children
  with a PMPK conclusion stand in special and sanatorium queues too;
- ids follow registration order, as the order of equal submission times needs;
- the last year of every queue's events (``QueueEvent``: entries that joined,
  gained a confirmed benefit's class or left), drawn from the rows loaded, so
  that a position history replayed back from today is exact over that year.

People, IINs, phones and documents follow ``generation.rules``, as the demo's
do. Everything synthetic is marked so it cannot be mistaken for real data: KATO
codes start with 9 (no region has that code), phones use the unused operator
code 799, IIN serials lie in a range the demo and the test factories never use,
and the benefit documents name files that were never uploaded.
"""

import contextlib
import datetime
import functools
import io
import itertools
import math
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Applicant, Language, User
from applications.choices import BenefitCategory, Channel, Status, Verification
from applications.models import Application, BenefitDocument, Child, Guardianship
from core.iin import Sex
from directory.choices import GroupLanguage, KindergartenKind, Ownership, SettlementKind
from directory.models import District, Group, Kindergarten, Region, Settlement, region_kato
from generation import rules
from generation.rules import GROUP_NAMES, KAZAKH, REJECTION_REASONS, RUSSIAN, STREETS, WITHDRAWAL_REASONS
from queues.choices import BenefitClass, LeaveReason, QueueEventCause
from queues.models import Queue, QueueEntry, QueueEvent
from registers import persons as register

SYNTHETIC_KATO_PREFIX = "9"
CHUNK = 50_000
# The queues' kept events (issue 12's position history) reach back this far from ``now``.
EVENT_HISTORY = datetime.timedelta(days=365)
# Children per birth year, by age in years (0 = born this year): most wait at one to four.
AGE_WEIGHTS = (0.10, 0.22, 0.24, 0.20, 0.13, 0.08, 0.03)
PEAK_AGE_WEIGHT = max(AGE_WEIGHTS)
LANGUAGES = (GroupLanguage.KAZAKH, GroupLanguage.RUSSIAN, GroupLanguage.MIXED)
LANGUAGE_WEIGHTS = (6, 3, 1)
CHANNEL_WEIGHTS = {
    Channel.PORTAL: 72,
    Channel.EDUCATION_DEPARTMENT: 14,
    Channel.GOV_CORP: 12,
    Channel.API: 2,
}
PAPER_CHANNELS = (Channel.EDUCATION_DEPARTMENT, Channel.GOV_CORP)
# Applications per kindergarten when sizing a settlement's kindergartens; special and
# sanatorium kindergartens in settlements at least this large.
APPLICATIONS_PER_KINDERGARTEN = 250
SPECIAL_KINDERGARTENS_FROM = 2_000
SETTLEMENTS_PER_DISTRICT = 27
# Districts are dealt round the ten synthetic regions 90..99, the big cities first, one to a region.
REGIONS = 10
APPLICATIONS_PER_SETTLEMENT = 170
WITHDRAWN_SHARE = 0.004
SIBLING_SHARE = 0.12
KAZAKH_SHARE = 0.7
CITY_NAMES = (
    ("Алматы", "Алматы"), ("Астана", "Астана"), ("Шымкент", "Шымкент"), ("Қарағанды", "Караганда"),
    ("Ақтөбе", "Актобе"), ("Тараз", "Тараз"), ("Павлодар", "Павлодар"), ("Өскемен", "Усть-Каменогорск"),
    ("Семей", "Семей"), ("Атырау", "Атырау"), ("Қостанай", "Костанай"), ("Қызылорда", "Кызылорда"),
    ("Орал", "Уральск"), ("Петропавл", "Петропавловск"), ("Ақтау", "Актау"), ("Түркістан", "Туркестан"),
)  # fmt: skip
GENERAL, SPECIAL, SANATORIUM = KindergartenKind.GENERAL, KindergartenKind.SPECIAL, KindergartenKind.SANATORIUM


@dataclass(frozen=True)
class BenefitPlan:
    """A benefit document some applications carry, how often, and its fate."""

    share: float
    category: BenefitCategory
    outcome: Verification
    queues: tuple[str, ...] = ()  # special or sanatorium queues, for a PMPK conclusion


_B, _C, _P, _R = BenefitCategory, Verification.CONFIRMED, Verification.PENDING, Verification.REJECTED
BENEFIT_PLANS = (
    # Out-of-turn, confirmed: 2%.
    BenefitPlan(0.008, _B.SERVICEMAN, _C),
    BenefitPlan(0.004, _B.SPECIAL_STATE_BODY, _C),
    BenefitPlan(0.008, _B.TEACHER, _C),
    # First-turn, confirmed: 5%.
    BenefitPlan(0.025, _B.LARGE_FAMILY, _C),
    BenefitPlan(0.005, _B.DISABLED_PARENT, _C),
    BenefitPlan(0.003, _B.ORPHAN, _C),
    BenefitPlan(0.008, _B.DISABLED_CHILD_FAMILY, _C),
    BenefitPlan(0.005, _B.SPECIAL_NEEDS, _C, (SPECIAL,)),
    BenefitPlan(0.002, _B.SPECIAL_NEEDS, _C, (SPECIAL, SANATORIUM)),
    BenefitPlan(0.002, _B.SPECIAL_NEEDS, _C, (SANATORIUM,)),
    # Awaiting the specialist, and rejected: they count as none (RULES.md section 3).
    BenefitPlan(0.006, _B.LARGE_FAMILY, _P),
    BenefitPlan(0.003, _B.TEACHER, _P),
    BenefitPlan(0.002, _B.SPECIAL_NEEDS, _P, (SPECIAL,)),
    BenefitPlan(0.003, _B.LARGE_FAMILY, _R),
    BenefitPlan(0.002, _B.TEACHER, _R),
    BenefitPlan(0.001, _B.SPECIAL_NEEDS, _R, (SPECIAL,)),
)


@dataclass
class Summary:
    """What was loaded, for the command's report and the benchmark's set-up."""

    applications: int = 0
    children: int = 0
    applicants: int = 0
    settlements: int = 0
    kindergartens: int = 0
    groups: int = 0
    queues: int = 0
    entries: int = 0
    documents: int = 0
    events: int = 0
    largest_queue_id: int = 0
    largest_queue_size: int = 0
    seconds: float = 0.0
    queue_sizes: dict[int, int] = field(default_factory=dict, repr=False)


class Progress:
    """A progress line on stderr, rewritten in place; silent when ``enabled`` is False (tests)."""

    def __init__(self, total: int, *, enabled: bool = True, stream=sys.stderr):
        self.total, self.enabled, self.stream = total, enabled, stream
        self.done, self.started = 0, time.monotonic()

    def advance(self, count: int, stage: str) -> None:
        self.done += count
        if self.enabled:
            elapsed = time.monotonic() - self.started
            share = self.done / self.total if self.total else 1
            bar = "#" * int(30 * share)
            self.stream.write(f"\r{stage:<14} [{bar:<30}] {self.done:>10,}/{self.total:,} {elapsed:6.1f} s")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")


def holds_applications() -> bool:
    return Application.objects.exists()


def holds_generated_country() -> bool:
    return District.objects.filter(kato_code__startswith=SYNTHETIC_KATO_PREFIX).exists()


def rebuild_rank_cache(report: Callable[[str], None]) -> None:
    """Rebuild the rank cache of ``queues.ranks`` after a bulk load, where that module exists.

    A bulk load bypasses the services that keep such a cache, so it must be
    rebuilt from PostgreSQL, the truth, before anything reads it.
    """
    try:
        from queues import ranks
    except ImportError:
        report("queues.ranks is not there: no rank cache to rebuild.")
        return
    rebuild_all = getattr(ranks, "rebuild_all", None)
    if rebuild_all is None:
        report("queues.ranks has no rebuild_all(): no rank cache to rebuild.")
        return
    started = time.monotonic()
    rebuild_all()
    report(f"Rank cache rebuilt in {time.monotonic() - started:.1f} s.")


def generate(
    *,
    applications: int,
    seed: int,
    largest_queue: int | None = None,
    now: datetime.datetime | None = None,
    progress: bool = True,
    register_file: Path | None = None,
) -> Summary:
    """Load a country of ``applications`` applications into PostgreSQL, in one transaction.

    Call it outside any transaction: the tables are vacuumed after the commit.
    ``register_file``: the person register's fake (``registers.persons``) to
    write the country's families to, chunk by chunk as they are drawn (every
    child, its parent its representative), so the fake answers for them; its
    earlier records are replaced.
    """
    if connection.vendor != "postgresql":
        raise RuntimeError("The national data set is loaded with COPY: PostgreSQL only.")
    started = time.monotonic()
    with transaction.atomic():
        country = _Country(applications=applications, seed=seed, largest_queue=largest_queue, now=now)
        country.register_file = register_file
        summary = country.load(Progress(applications, enabled=progress))
    summary.seconds = time.monotonic() - started
    # VACUUM, not only ANALYZE: it sets the visibility map, without which no count is index-only.
    with connection.cursor() as cursor:
        for model in (
            Queue, QueueEntry, QueueEvent, Application, Child, Applicant, BenefitDocument, Guardianship
        ):  # fmt: skip
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
    return summary


# --- Drawing the country -----------------------------------------------------------------


def settlement_sizes(applications: int, largest_queue: int | None) -> list[int]:
    """Applications per settlement, biggest first: one big city, then a Zipf tail (exponent 1).

    The city is sized so that its peak birth year holds about ``largest_queue``
    children (by default 3.2% of the country, 32,000 of a million, like Almaty);
    the rest share the remainder by rank, down to a handful per village.
    """
    count = max(12, applications // APPLICATIONS_PER_SETTLEMENT)
    peak = largest_queue if largest_queue is not None else max(20, round(applications * 0.032))
    city = min(applications * 3 // 4, math.ceil(peak / PEAK_AGE_WEIGHT))
    rest = applications - city
    weights = [1 / (rank + 1) for rank in range(1, count)]
    total = sum(weights)
    sizes = [int(rest * weight / total) for weight in weights]
    for index in range(rest - sum(sizes)):
        sizes[index % len(sizes)] += 1
    return [city, *sizes]


def _district_kato(d: int) -> str:
    """District ``d``'s KATO code: the synthetic 9, its region's digit ``d % REGIONS``, its number there."""
    return f"{SYNTHETIC_KATO_PREFIX}{d % REGIONS}{d // REGIONS:03d}0000"


@functools.lru_cache(maxsize=16384)
def _day(day: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(day * 86400))


def _ts(moment: float) -> str:
    """A UTC timestamp for COPY; a few times faster than strftime, which a million rows notice."""
    day, second = divmod(int(moment), 86400)
    hour, second = divmod(second, 3600)
    minute, second = divmod(second, 60)
    return f"{_day(day)} {hour:02d}:{minute:02d}:{second:02d}+00"


class _Country:
    def __init__(self, *, applications: int, seed: int, largest_queue: int | None, now):
        if applications < 1:
            raise ValueError("At least one application.")
        self.n = applications
        self.rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, no secrets
        self.now = (now or timezone.now()).replace(microsecond=0)
        self.now_ts = self.now.timestamp()
        self.today = timezone.localdate(self.now)
        self.sizes = settlement_sizes(applications, largest_queue)
        self.iins = rules.IinSource(rules.NATIONAL_SERIALS)
        self.summary = Summary(applications=applications, settlements=len(self.sizes))
        self.register_file: Path | None = None

    # --- ids and COPY ---

    def _reserve(self, model, count: int) -> int:
        """The first of ``count`` ids taken from the model's sequence at once."""
        with connection.cursor() as cursor:
            table = model._meta.db_table
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "nextval(pg_get_serial_sequence(%s, 'id')) + %s)",
                [table, table, count - 1],
            )
            return cursor.fetchone()[0] - count + 1

    @staticmethod
    def _copy(model, fields: Sequence[str], rows: Iterable[Sequence]) -> int:
        """COPY ``rows`` into the model's table; other NOT NULL fields get their model default per row.

        The defaults keep the load in step with columns added later (a queue's
        version, say) without this module having to know about them.
        """
        named = [model._meta.get_field(name) for name in fields]
        defaulted = [
            field
            for field in model._meta.concrete_fields
            if field not in named and not field.null and field.has_default()
        ]
        columns = ", ".join(connection.ops.quote_name(field.column) for field in named + defaulted)
        buffer = io.StringIO()
        written = 0
        for row in rows:
            values = [*row, *(field.get_default() for field in defaulted)]
            buffer.write("\t".join("\\N" if value is None else str(value) for value in values))
            buffer.write("\n")
            written += 1
        buffer.seek(0)
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
        return written

    # --- the directory ---

    def load(self, progress: Progress) -> Summary:
        self._directory()
        self._staff()
        with _foreign_keys_checked_at_the_end(_Batch.models()):
            self._people_and_applications(progress)
            progress.close()
        self._queue_events()
        return self.summary

    def _directory(self) -> None:
        rng = self.rng
        sizes = self.sizes
        cities = min(len(CITY_NAMES), max(1, len(sizes) // 100))
        # The big cities are districts of their own; the rest are grouped into rural districts.
        district_of = list(range(cities))
        rural = max(1, math.ceil((len(sizes) - cities) / SETTLEMENTS_PER_DISTRICT))
        district_of += [cities + index % rural for index in range(len(sizes) - cities)]
        districts = cities + rural
        regions = min(REGIONS, districts)
        first_region = self._reserve(Region, regions)
        self._copy(
            Region,
            ("id", "kato_code", "name_kk", "name_ru"),
            (
                (first_region + r, region_kato(_district_kato(r)), f"№{r} облыс", f"Область №{r}")
                for r in range(regions)
            ),
        )
        first_district = self._reserve(District, districts)
        self._copy(
            District,
            ("id", "kato_code", "name_kk", "name_ru", "region"),
            (
                (
                    first_district + d,
                    _district_kato(d),
                    f"{CITY_NAMES[d][0]} қаласы" if d < cities else f"№{d} аудан",
                    f"город {CITY_NAMES[d][1]}" if d < cities else f"Район №{d}",
                    first_region + d % REGIONS,
                )
                for d in range(districts)
            ),
        )
        self.district_ids = [first_district + d for d in district_of]
        self.first_district = first_district
        self.districts = districts
        first_settlement = self._reserve(Settlement, len(sizes))
        self.settlement_ids = [first_settlement + index for index in range(len(sizes))]
        in_district = [0] * districts
        rows = []
        for index, size in enumerate(sizes):
            d = district_of[index]
            serial = in_district[d]
            in_district[d] += 1
            if index < cities:
                kind, name_kk, name_ru = SettlementKind.CITY, *CITY_NAMES[index]
            elif size >= SPECIAL_KINDERGARTENS_FROM / 4:
                kind, name_kk, name_ru = SettlementKind.TOWN, f"Қала №{index}", f"Город №{index}"
            else:
                kind, name_kk, name_ru = SettlementKind.VILLAGE, f"Ауыл №{index}", f"Село №{index}"
            kato = f"{_district_kato(d)[:5]}{serial:03d}1"
            rows.append((self.settlement_ids[index], kato, name_kk, name_ru, self.district_ids[index], kind))
        self._copy(Settlement, ("id", "kato_code", "name_kk", "name_ru", "district", "kind"), rows)
        self._kindergartens(rng)

    def _kindergartens(self, rng: random.Random) -> None:
        year = self.today.year
        kindergartens, groups = [], []
        for index, size in enumerate(self.sizes):
            kinds = [GENERAL] * max(1, round(size / APPLICATIONS_PER_KINDERGARTEN))
            if size >= SPECIAL_KINDERGARTENS_FROM:
                extra = max(1, len(kinds) // 40)
                kinds += [SPECIAL] * extra + [SANATORIUM] * extra
            for number, kind in enumerate(kinds, start=1):
                private = kind == GENERAL and rng.random() < 0.25
                kindergartens.append(
                    (
                        len(kindergartens),
                        self.settlement_ids[index],
                        kind,
                        Ownership.PRIVATE if private else Ownership.STATE,
                        f"№{number} бөбекжай-бақшасы",
                        f"Ясли-сад №{number}",
                        f"{rng.choice(STREETS)}, {rng.randint(1, 120)}",
                    )
                )
        first = self._reserve(Kindergarten, len(kindergartens))
        self._copy(
            Kindergarten,
            ("id", "settlement", "kind", "ownership", "name_kk", "name_ru", "address", "phone"),
            (
                (first + k, s, kind, own, kk, ru, address, "")
                for k, s, kind, own, kk, ru, address in kindergartens
            ),
        )
        for k, _settlement, kind, *_rest in kindergartens:
            # One group for each age from one to five; the language follows the settlement's mix.
            for offset, birth_year in enumerate(range(year - 5, year)):
                language = rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0]
                name = f"{GROUP_NAMES[offset % len(GROUP_NAMES)]} ({birth_year})"
                groups.append((first + k, name, birth_year, language, kind, rng.randint(15, 25)))
        first_group = self._reserve(Group, len(groups))
        self._copy(
            Group,
            ("id", "kindergarten", "name", "birth_year", "language", "kind", "capacity"),
            ((first_group + index, *row) for index, row in enumerate(groups)),
        )
        self.summary.kindergartens, self.summary.groups = len(kindergartens), len(groups)

    def _staff(self) -> None:
        """One specialist per district: the clerk of its paper applications, the verifier of its documents."""
        password = make_password(None)
        users = User.objects.bulk_create(
            User(
                username=f"specialist.{SYNTHETIC_KATO_PREFIX}{d:04d}",
                role=Role.SPECIALIST,
                is_staff=True,
                password=password,
            )
            for d in range(self.districts)
        )
        User.districts.through.objects.bulk_create(
            User.districts.through(user_id=user.pk, district_id=self.first_district + d)
            for d, user in enumerate(users)
        )
        self.specialist_of_district = {self.first_district + d: user.pk for d, user in enumerate(users)}

    # --- people and applications ---

    def _draw_registrations(self) -> list[tuple[int, int, int, bool, int]]:
        """(registered at, settlement index, birth date ordinal, female, benefit plan index or -1) by time."""
        rng = self.rng
        year = self.today.year
        latest_birth = self.today - datetime.timedelta(days=30)
        earliest_registration = self.now_ts - 7 * 365 * 86400
        settlements = itertools.chain.from_iterable([index] * size for index, size in enumerate(self.sizes))
        ages = rng.choices(range(len(AGE_WEIGHTS)), AGE_WEIGHTS, k=self.n)
        shares = [plan.share for plan in BENEFIT_PLANS]
        plans = rng.choices(range(-1, len(BENEFIT_PLANS)), [1 - sum(shares), *shares], k=self.n)
        drawn = []
        for settlement, age, plan in zip(settlements, ages, plans, strict=True):
            first_day = datetime.date(year - age, 1, 1).toordinal()
            last_day = min(datetime.date(year - age, 12, 31), latest_birth).toordinal()
            birth = rng.randint(first_day, last_day)
            born_ts = time.mktime(datetime.date.fromordinal(birth).timetuple())
            # Most parents apply within months of the birth.
            registered = (
                born_ts + rules.APPLY_AFTER_BIRTH.total_seconds() + rng.expovariate(1 / (240 * 86400))
            )
            registered = min(
                max(registered, earliest_registration), self.now_ts - 3600 - rng.random() * 86400
            )
            drawn.append((int(registered), settlement, birth, rng.random() < 0.49, plan))
        drawn.sort()
        return drawn

    def _people_and_applications(self, progress: Progress) -> None:
        drawn = self._draw_registrations()
        self._queue_rows(drawn)
        first_application = self._reserve(Application, self.n)
        first_child = self._reserve(Child, self.n)
        numbers = self._numbers()
        # Drawn a million at a time: one call to choices() per row would cost more than the rest.
        rng, n = self.rng, self.n
        channels = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()), k=n)
        languages = rng.choices(LANGUAGES, LANGUAGE_WEIGHTS, k=n)
        self.relations = rules.relations(rng, n)
        last_applicant: dict[int, tuple] = {}
        # Ids for the most rows each table can get; the ones left unused are a gap in the sequence.
        ids = _Ids(
            applicant=self._reserve(Applicant, self.n),
            document=self._reserve(BenefitDocument, self.n),
            entry=self._reserve(QueueEntry, 3 * self.n),
        )
        if self.register_file:
            register.write_fake_records((), path=self.register_file)
        for start in range(0, self.n, CHUNK):
            batch = _Batch()
            for offset, (registered, settlement, birth, female, plan) in enumerate(
                drawn[start : start + CHUNK]
            ):
                index = start + offset
                application = _Drawn(
                    id=first_application + index,
                    child_id=first_child + index,
                    number=numbers[index],
                    settlement=settlement,
                    birth=datetime.date.fromordinal(birth),
                    sex=Sex.FEMALE if female else Sex.MALE,
                    registered=registered,
                    plan=BENEFIT_PLANS[plan] if plan >= 0 else None,
                    applicant=self._applicant_of(index, settlement, registered, last_applicant, ids, batch),
                    channel=channels[index],
                    language=languages[index],
                )
                self._application_rows(application, batch, ids)
                self._entry_rows(application, batch, ids)
            batch.write(self)
            progress.advance(min(CHUNK, self.n - start), "applications")
        self.summary.children = self.n
        self.summary.applicants = ids.applicants
        sizes = self.summary.queue_sizes
        self.summary.largest_queue_id = max(sizes, key=sizes.get)
        self.summary.largest_queue_size = sizes[self.summary.largest_queue_id]
        self.summary.entries = ids.entries
        self.summary.documents = ids.documents

    def _numbers(self) -> list[str]:
        from applications.numbers import luhn_check_digit

        taken = set(Application.objects.values_list("number", flat=True))
        bodies = self.rng.sample(range(10**8, 10**9), self.n + len(taken))
        numbers = [f"{body}{luhn_check_digit(str(body))}" for body in bodies]
        return [number for number in numbers if number not in taken][: self.n]

    def _applicant_of(self, index: int, settlement: int, registered: int, last: dict, ids: "_Ids", batch):
        """A parent: a new one, or (for some) the parent of an earlier child in the same settlement."""
        rng = self.rng
        previous = last.get(settlement)
        if previous is not None and rng.random() < SIBLING_SHARE:
            return previous
        names = KAZAKH if rng.random() < KAZAKH_SHARE else RUSSIAN
        relation = self.relations[index]
        father, family = rng.choice(names.men), rng.choice(names.surnames)
        person = rules.parent(rng, names, relation, family=family, father=father, year=self.today.year)
        portal = rng.random() < 0.8
        next_id = ids.take_applicant()
        moment = _ts(registered)
        iin = self.iins.take(person.birth_date, person.sex)
        batch.applicants.append(
            (
                next_id,
                iin,
                person.surname,
                person.name,
                person.patronymic,
                rules.mobile_number(next_id),
                rules.mobile_number(next_id + 5 * 10**6) if rng.random() < 0.4 else "",
                "",
                Language.KAZAKH if names is KAZAKH else Language.RUSSIAN,
                "2026-01" if portal else "",
                moment if portal else None,
                moment,
            )
        )
        applicant = (next_id, relation, names, family, father, iin)
        last[settlement] = applicant
        return applicant

    def _application_rows(self, app: "_Drawn", batch: "_Batch", ids: "_Ids") -> None:
        rng = self.rng
        applicant_id, relation, names, family, father, parent_iin = app.applicant
        person = rules.child(rng, names, family=family, father=father, sex=app.sex, birth_date=app.birth)
        iin = self.iins.take(person.birth_date, person.sex)
        batch.children.append(
            (
                app.child_id,
                iin,
                person.surname,
                person.name,
                person.patronymic,
                person.birth_date.isoformat(),
                person.sex,
            )
        )
        if self.register_file:
            batch.families.append(
                register.Person(
                    iin=iin,
                    surname=person.surname,
                    name=person.name,
                    patronymic=person.patronymic,
                    birth_date=person.birth_date,
                    sex=person.sex,
                    representatives=(parent_iin,),
                )
            )
        app.registered_text = _ts(app.registered)
        batch.guardianships.append((applicant_id, app.child_id, app.registered_text))
        channel = app.channel
        submitted = app.registered
        clerk = None
        district = self.district_ids[app.settlement]
        if channel in PAPER_CHANNELS:
            submitted -= int(
                rules.received_before(rng).total_seconds()
            )  # received on paper before registration
            clerk = self.specialist_of_district[district] if channel == Channel.EDUCATION_DEPARTMENT else None
        app.submitted = submitted
        app.submitted_text = _ts(submitted)
        plan = app.plan
        app.queue_kinds = [GENERAL, *(plan.queues if plan else ())]
        status, reason, changed = Status.IN_QUEUE, "", app.registered
        if rng.random() < WITHDRAWN_SHARE:
            changed = min(app.registered + rng.randint(86400, 200 * 86400), int(self.now_ts) - 60)
            status, reason = Status.WITHDRAWN, rng.choice(WITHDRAWAL_REASONS)
            app.left = (changed, LeaveReason.WITHDRAWN)
        language = app.language
        batch.applications.append(
            (
                app.id,
                app.number,
                app.child_id,
                applicant_id,
                relation,
                self.settlement_ids[app.settlement],
                "t" if SPECIAL in app.queue_kinds else "f",
                "t" if SANATORIUM in app.queue_kinds else "f",
                language,
                channel,
                app.submitted_text,
                app.registered_text,
                clerk,
                status,
                reason,
                _ts(changed),
            )
        )
        if plan is not None:
            self._document_row(app, plan, batch, ids.take_document(), self.specialist_of_district[district])

    def _document_row(
        self, app: "_Drawn", plan: BenefitPlan, batch: "_Batch", doc_id: int, verifier: int
    ) -> None:
        rng = self.rng
        uploaded = app.registered
        uploaded_on = datetime.date.fromtimestamp(uploaded)
        issued_on = rules.issued_on(rng, plan.category, uploaded_on, app.birth)
        decided = None
        outcome = plan.outcome
        if outcome != Verification.PENDING:
            soonest, latest = (int(delay.total_seconds()) for delay in rules.DECIDED_AFTER)
            decided = min(uploaded + rng.randint(soonest, latest), int(self.now_ts) - 60)
        valid_until = None
        if outcome == Verification.CONFIRMED:
            last_day = rules.valid_until(rng, plan.category, self.today)
            valid_until = last_day.isoformat() if last_day else None
        if outcome == Verification.CONFIRMED:
            app.benefit_class, app.benefit_until = plan.category.benefit_class, valid_until
        if outcome == Verification.REJECTED and plan.queues:
            app.dropped = (decided, LeaveReason.QUEUE_KIND_DROPPED)
        batch.documents.append(
            (
                doc_id,
                app.id,
                plan.category,
                f"benefits/national-{doc_id}.pdf",
                "application/pdf",
                issued_on.isoformat(),
                valid_until,
                _ts(uploaded),
                None,
                outcome,
                verifier if decided else None,
                _ts(decided) if decided else None,
                REJECTION_REASONS[plan.category] if outcome == Verification.REJECTED else "",
            )
        )

    def _entry_rows(self, app: "_Drawn", batch: "_Batch", ids: "_Ids") -> None:
        settlement_id = self.settlement_ids[app.settlement]
        for kind in app.queue_kinds:
            queue_id = self.queue_ids[(settlement_id, app.birth.year, kind)]
            left = app.left or (app.dropped if kind != GENERAL else None)
            if left is None:
                self.summary.queue_sizes[queue_id] += 1
            batch.entries.append(
                (
                    ids.take_entry(),
                    queue_id,
                    app.id,
                    app.benefit_class,
                    app.benefit_until,
                    app.submitted_text,
                    app.registered_text,
                    _ts(left[0]) if left else None,
                    left[1] if left else "",
                )
            )

    def _queue_rows(self, drawn) -> None:
        """Every queue some application stands in: settlement x birth year x kind (RULES.md section 2)."""
        keys = set()
        for _registered, settlement, birth, _female, plan in drawn:
            kinds = (GENERAL, *(BENEFIT_PLANS[plan].queues if plan >= 0 else ()))
            year = datetime.date.fromordinal(birth).year
            keys.update((self.settlement_ids[settlement], year, kind) for kind in kinds)
        keys = sorted(keys)
        first = self._reserve(Queue, len(keys))
        self.queue_ids = {key: first + index for index, key in enumerate(keys)}
        self._copy(
            Queue,
            ("id", "settlement", "birth_year", "kind"),
            ((i, *key) for key, i in self.queue_ids.items()),
        )
        self.summary.queues = len(keys)
        self.summary.queue_sizes = dict.fromkeys(self.queue_ids.values(), 0)

    # --- the last year of queue events ---

    _EVENT_SOURCES_SQL = """
        SELECT e.queue_id, e.application_id, e.benefit_class, e.submitted_at, e.joined_at, e.left_at,
               e.left_reason, d.verified_at
        FROM {entries} AS e
        LEFT JOIN {documents} AS d ON d.application_id = e.application_id AND d.verification = %(confirmed)s
        WHERE e.joined_at >= %(since)s OR e.left_at >= %(since)s OR d.verified_at >= %(since)s
        ORDER BY e.queue_id
    """

    def _queue_events(self) -> None:
        """Each queue's events of the last ``EVENT_HISTORY``, read back from the entries just loaded.

        What a queue's entries went through is known from their rows: the join,
        the confirmation of a benefit document (an entry joins as general and
        moves up to its class when the specialist confirms), the leaving. Every
        such change since ``since`` becomes one event, so undoing them from
        today's standing (``queues.history``) gives the queue as it stood at
        every moment of the year. Streamed one queue at a time (a queue's year
        at most in memory), ids in time order within each queue, as the replay
        reads them, and written with COPY.
        """
        since = self.now - EVENT_HISTORY
        quote = connection.ops.quote_name
        sql = self._EVENT_SOURCES_SQL.format(
            entries=quote(QueueEntry._meta.db_table), documents=quote(BenefitDocument._meta.db_table)
        )
        # The rows just copied have no statistics yet (they are vacuumed after the commit): without them the
        # planner joins the documents by a scan per entry, minutes at a million instead of seconds.
        with connection.cursor() as cursor:
            for model in (QueueEntry, BenefitDocument):
                cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
        # Reading a queue's entries while the previous queue's events are copied: a server-side cursor.
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, {"confirmed": Verification.CONFIRMED, "since": since})
            rows = iter(lambda: cursor.fetchmany(CHUNK), [])
            for _queue_id, entries in itertools.groupby(
                itertools.chain.from_iterable(rows), key=lambda r: r[0]
            ):
                events = sorted(event for entry in entries for event in _events_of(entry, since=since))
                if not events:
                    continue
                first = self._reserve(QueueEvent, len(events))
                self.summary.events += self._copy(
                    QueueEvent,
                    (
                        "id",
                        "queue",
                        "application_id",
                        "cause",
                        "old_class",
                        "new_class",
                        "submitted_at",
                        "at",
                    ),
                    (
                        (first + index, queue_id, application_id, cause, old, new, _ts(submitted), _ts(at))
                        for index, (at, queue_id, application_id, _order, cause, old, new, submitted) in (
                            enumerate(events)
                        )
                    ),
                )


_ABSENT, _GENERAL_CLASS = QueueEvent.ABSENT, BenefitClass.GENERAL.value


def _events_of(entry: tuple, *, since: datetime.datetime) -> list[tuple]:
    """One entry's events since ``since``: ``(at, queue, application, order, cause, old, new, submitted)``.

    ``order`` keeps an entry's own events in their order when they share a second.
    """
    queue_id, application_id, benefit_class, submitted, joined, left, left_reason, confirmed = entry
    # A benefit confirmed after the join raised the class then; until then the entry stood as general.
    confirmed_later = confirmed is not None and confirmed > joined
    raised = confirmed_later and (left is None or confirmed < left)
    start_class = _GENERAL_CLASS if confirmed_later else benefit_class
    final_class = benefit_class if raised else start_class
    ts = datetime.datetime.timestamp
    events = []
    if joined >= since:
        cause = QueueEventCause.BACKDATED_PAPER if submitted < joined else QueueEventCause.SUBMITTED
        events.append((ts(joined), queue_id, application_id, 0, cause, _ABSENT, start_class, ts(submitted)))
    if raised and confirmed >= since and benefit_class != _GENERAL_CLASS:
        events.append((ts(confirmed), queue_id, application_id, 1, QueueEventCause.BENEFIT_CONFIRMED,
                       _GENERAL_CLASS, benefit_class, ts(submitted)))  # fmt: skip
    if left is not None and left >= since:
        events.append((ts(left), queue_id, application_id, 2, QueueEventCause.of_leaving(left_reason),
                       final_class, _ABSENT, ts(submitted)))  # fmt: skip
    return events


@contextlib.contextmanager
def _foreign_keys_checked_at_the_end(models: Sequence):
    """Drop the foreign keys of ``models`` for the load and add them back, checked, in one statement each.

    Checked row by row, the keys of a million rows cost more than the rows;
    added back, each is validated by one join over the table, and a row
    pointing nowhere still fails the transaction. Call inside a transaction.
    """
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        # Foreign keys are deferred; a table with checks still pending cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        keys = cursor.fetchall()
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )


class _Ids:
    """Counters over id ranges reserved up front, so rows can point at each other before COPY."""

    def __init__(self, *, applicant: int, document: int, entry: int):
        self.next_applicant, self.next_document, self.next_entry = applicant, document, entry
        self.applicants = self.documents = self.entries = 0

    def take_applicant(self) -> int:
        self.applicants += 1
        self.next_applicant += 1
        return self.next_applicant - 1

    def take_document(self) -> int:
        self.documents += 1
        self.next_document += 1
        return self.next_document - 1

    def take_entry(self) -> int:
        self.entries += 1
        self.next_entry += 1
        return self.next_entry - 1


class _Drawn:
    """One application being drawn: what its rows share."""

    __slots__ = (
        "applicant",
        "benefit_class",
        "benefit_until",
        "birth",
        "channel",
        "child_id",
        "dropped",
        "id",
        "language",
        "left",
        "number",
        "plan",
        "queue_kinds",
        "registered",
        "registered_text",
        "settlement",
        "sex",
        "submitted",
        "submitted_text",
    )  # fmt: skip

    def __init__(self, **values):
        self.benefit_class, self.benefit_until = BenefitClass.GENERAL.value, None
        self.left, self.dropped = None, None
        for name, value in values.items():
            setattr(self, name, value)


class _Batch:
    """The rows of one chunk of applications, written table by table, parents before children."""

    @classmethod
    def models(cls) -> list:
        return [model for _name, model, _fields in cls.TABLES]

    TABLES = (
        ("applicants", Applicant, (
            "id", "iin", "surname", "name", "patronymic", "phone", "phone2", "email", "language",
            "consent_version", "consented_at", "created_at",
        )),
        ("children", Child, ("id", "iin", "surname", "name", "patronymic", "birth_date", "sex")),
        ("guardianships", Guardianship, ("applicant", "child", "added_at")),
        ("applications", Application, (
            "id", "number", "child", "applicant", "relation", "settlement", "wants_special",
            "wants_sanatorium", "preferred_language", "channel", "submitted_at", "registered_at",
            "registered_by", "status", "status_reason", "status_changed_at",
        )),
        ("documents", BenefitDocument, (
            "id", "application", "category", "file", "content_type", "issued_on", "valid_until",
            "uploaded_at", "uploaded_by", "verification", "verified_by", "verified_at", "rejection_reason",
        )),
        ("entries", QueueEntry, (
            "id", "queue", "application", "benefit_class", "benefit_until", "submitted_at", "joined_at",
            "left_at", "left_reason",
        )),
    )  # fmt: skip

    def __init__(self):
        for name, _model, _fields in self.TABLES:
            setattr(self, name, [])
        #: The person register's records of this chunk's children (``generate(register_file=...)``).
        self.families = []

    def write(self, country: _Country) -> None:
        for name, model, fields in self.TABLES:
            country._copy(model, fields, getattr(self, name))
        if country.register_file:
            register.write_fake_records(self.families, path=country.register_file, replace=False)
