"""What the drills do inside the project, run as ``python -m drills.inside COMMAND [ARGS]``.

Each command sets Django up against the environment the drill runner gives
it (its throw-away PostgreSQL and Redis), works only through the project's own
services and selectors, and prints its answer as one line of JSON.

Commands: ``load``, ``publish BULLETIN``, ``open_access BULLETIN``,
``check_access BULLETIN``, ``snapshot``, ``submit``, ``relay``.
"""

import datetime
import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kindergarten_queue.settings")
django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db.models import Sum  # noqa: E402

from accounts.choices import Role  # noqa: E402
from accounts.models import User  # noqa: E402
from applications import services  # noqa: E402
from applications.choices import BenefitCategory, Channel, Relation  # noqa: E402
from applications.models import Application  # noqa: E402
from applications.samples import blank_pdf  # noqa: E402
from bulletins import services as bulletin_services  # noqa: E402
from bulletins import tasks as bulletin_tasks  # noqa: E402
from bulletins.models import Access, Bulletin, BulletinPlace  # noqa: E402
from core import clock  # noqa: E402
from core.iin import Sex, synthetic_iins  # noqa: E402
from directory.choices import GroupLanguage, KindergartenKind, Ownership, SettlementKind  # noqa: E402
from directory.models import District, Group, Kindergarten, Settlement  # noqa: E402
from directory.regions import region_of  # noqa: E402
from queues import selectors as queue_selectors  # noqa: E402
from queues.models import Queue, QueueEntry  # noqa: E402

SETTLEMENTS = 3
BIRTH_YEARS_AGO = (2, 3, 4, 5)  # four queues in each settlement
APPLICATIONS_PER_QUEUE = 15
PLACES_PER_GROUP = 6
#: One group offers more places than its queue has children: it opens access to all of them.
GENEROUS_PLACES = 20
FIRST_TURN_EVERY = 4  # every fourth application brings a large-family certificate, confirmed
SPECIALIST = "drill.specialist"


def load() -> dict:
    """A district of three settlements, twelve queues of fifteen, and a draft bulletin with places in each."""
    now = clock.now()
    district = District.objects.create(
        kato_code="199000000",
        name_kk="Жаттығу ауданы",
        name_ru="Учебный район",
        region=region_of("199000000"),
    )
    specialist = User.objects.create_user(SPECIALIST, role=Role.SPECIALIST, is_staff=True)
    specialist.districts.add(district)
    parents = synthetic_iins(datetime.date(1990, 5, 5), Sex.FEMALE, start=100)
    groups = []
    for number in range(1, SETTLEMENTS + 1):
        settlement = Settlement.objects.create(
            district=district,
            kato_code=f"1990{number:02d}000",
            name_kk=f"Жаттығу {number}",
            name_ru=f"Учебное {number}",
            kind=SettlementKind.VILLAGE,
        )
        kindergarten = Kindergarten.objects.create(
            settlement=settlement,
            name_kk=f"№{number} бөбекжай-бақшасы",
            name_ru=f"Ясли-сад №{number}",
            kind=KindergartenKind.GENERAL,
            ownership=Ownership.STATE,
            address="Абай көшесі, 1",
        )
        for years_ago in BIRTH_YEARS_AGO:
            birth_year = now.year - years_ago
            groups.append(
                Group.objects.create(
                    kindergarten=kindergarten,
                    name=f"Топ {birth_year}",
                    birth_year=birth_year,
                    language=GroupLanguage.KAZAKH,
                    kind=KindergartenKind.GENERAL,
                    capacity=25,
                )
            )
            _waiting(settlement, birth_year, parents=parents, specialist=specialist, now=now)
    bulletin = bulletin_services.create_bulletin(district=district, actor=specialist)
    for index, group in enumerate(groups):
        places = GENEROUS_PLACES if index == len(groups) // 3 else PLACES_PER_GROUP
        bulletin_services.add_place(bulletin=bulletin, group=group, places=places, actor=specialist)
    queues = list(bulletin.places.order_by("queue_id").values_list("queue_id", flat=True))
    first = Application.objects.order_by("pk").first()
    return {"bulletin": bulletin.pk, "queues": queues, "number": first.number}


def _waiting(settlement, birth_year: int, *, parents, specialist, now: datetime.datetime) -> None:
    """Fifteen applications a minute apart, through the real use case; some confirmed first-turn."""
    children = synthetic_iins(datetime.date(birth_year, 1, 15), Sex.MALE, start=settlement.pk * 100)
    for index in range(APPLICATIONS_PER_QUEUE):
        moment = now - datetime.timedelta(days=30, minutes=APPLICATIONS_PER_QUEUE - index)
        documents = []
        if index % FIRST_TURN_EVERY == FIRST_TURN_EVERY - 1:
            upload = SimpleUploadedFile("certificate.pdf", blank_pdf(), content_type="application/pdf")
            documents.append(
                services.DocumentUpload(
                    category=BenefitCategory.LARGE_FAMILY,
                    file=upload,
                    issued_on=moment.date() - datetime.timedelta(days=10),
                )
            )
        application = services.submit_application(
            child=_child(next(children), birth_year, index),
            applicant=_parent(next(parents)),
            relation=Relation.MOTHER,
            settlement=settlement,
            preferred_language=GroupLanguage.KAZAKH,
            channel=Channel.PORTAL,
            documents=documents,
            now=moment,
        )
        for document in application.benefit_documents.all():
            services.confirm_benefit(document=document, actor=specialist)


def _child(iin: str, birth_year: int, index: int) -> services.ChildDetails:
    return services.ChildDetails(
        iin=iin,
        surname="Жаттығуов",
        name=f"Бала{index}",
        birth_date=datetime.date(birth_year, 1, 15),
        sex=Sex.MALE,
    )


def _parent(iin: str) -> services.ApplicantDetails:
    return services.ApplicantDetails(
        iin=iin, surname="Жаттығуова", name="Ана", phone=f"+7799{int(iin[-7:]):07d}"
    )


def publish(bulletin_id: str) -> dict:
    """Publish through the use case: ``open_access`` goes to the broker when the publication commits."""
    bulletin = Bulletin.objects.get(pk=bulletin_id)
    bulletin_services.publish_bulletin(bulletin=bulletin, actor=User.objects.get(username=SPECIALIST))
    return {"published": bulletin.pk}


def open_access(bulletin_id: str) -> dict:
    """Enqueue ``open_access`` again, as an operator would after a worker was lost."""
    bulletin_tasks.open_access.delay(int(bulletin_id))
    return {"enqueued": int(bulletin_id)}


def check_access(bulletin_id: str) -> dict:
    """Whether every queue got min(places, eligible) accesses, to its first applicants in queue order.

    Before the bulletin nobody held access and nobody held a referral, so the
    eligible are the queue's standing entries, read from ``queues.selectors``.
    """
    problems = []
    gained = (
        BulletinPlace.objects.filter(bulletin_id=bulletin_id)
        .values("queue_id")
        .annotate(places=Sum("places"))
        .order_by("queue_id")
    )
    total = 0
    for row in gained:
        queue = Queue.objects.get(pk=row["queue_id"])
        standing = QueueEntry.objects.standing().filter(queue=queue).count()
        first = queue_selectors.queue_page(queue, offset=0, limit=min(row["places"], standing))
        expected = [page_row.entry.application_id for page_row in first]
        granted = list(
            Access.objects.filter(bulletin_id=bulletin_id, queue=queue).values_list(
                "application_id", flat=True
            )
        )
        total += len(granted)
        if len(granted) != len(set(granted)):
            problems.append(f"queue {queue.pk}: an application has two accesses")
        if sorted(granted) != sorted(expected):
            problems.append(
                f"queue {queue.pk}: {len(granted)} accesses, expected the first {len(expected)} in order"
            )
    return {"ok": not problems, "problems": problems, "accesses": total, "queues": len(gained)}


def snapshot() -> dict:
    """Every standing entry's position and the first page of every queue, as the selectors give them."""
    ids = QueueEntry.objects.standing().values_list("application_id", flat=True).distinct()
    positions = {
        str(application_id): sorted(
            [position.entry.queue_id, position.standing.position, position.standing.benefit_class]
            for position in rows
        )
        for application_id, rows in queue_selectors.positions_of_applications(ids).items()
    }
    pages = {
        str(queue.pk): [
            [row.position, row.entry.application_id]
            for row in queue_selectors.queue_page(queue, offset=0, limit=APPLICATIONS_PER_QUEUE)
        ]
        for queue in Queue.objects.order_by("pk")
    }
    return {"positions": positions, "pages": pages}


def submit() -> dict:
    """A parent applies through the use case; its notice goes through the outbox (``dispatch``)."""
    from dispatch.models import PendingTask

    now = clock.now()
    birth_date = datetime.date(now.year - 3, 3, 3)
    child = next(synthetic_iins(birth_date, Sex.FEMALE, start=500))
    parent = _parent(next(synthetic_iins(datetime.date(1992, 7, 7), Sex.FEMALE, start=900)))
    application = services.submit_application(
        child=services.ChildDetails(
            iin=child, surname="Жаттығуова", name="Қыз", birth_date=birth_date, sex=Sex.FEMALE
        ),
        applicant=parent,
        relation=Relation.MOTHER,
        settlement=Settlement.objects.order_by("pk").first(),
        preferred_language=GroupLanguage.KAZAKH,
        channel=Channel.PORTAL,
    )
    waiting = PendingTask.objects.filter(args=[application.pk], sent_at__isnull=True).count()
    return {"number": application.number, "phone": parent.phone, "waiting": waiting}


def relay() -> dict:
    from dispatch.services import relay_pending

    return {"sent": relay_pending()}


COMMANDS = {
    "load": load,
    "publish": publish,
    "open_access": open_access,
    "check_access": check_access,
    "snapshot": snapshot,
    "submit": submit,
    "relay": relay,
}

if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    print(json.dumps(COMMANDS[command](*arguments)))
