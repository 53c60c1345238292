"""Building blocks of the placement tests; bulletins and applications are made through the real services."""

import datetime
import zoneinfo

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from applications.tests.factories import child_details, submit
from bulletins import services
from directory.choices import KindergartenKind
from directory.tests.factories import GroupFactory
from queues.models import Queue

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
# Monday 14 December 2026, 10:00 in Almaty: two days before Independence Day (16 December).
MONDAY_14_DECEMBER = datetime.datetime(2026, 12, 14, 10, 0, tzinfo=ALMATY)
BIRTH_DATE = datetime.date(2022, 4, 12)


def at(day: int, hour: int = 10, minute: int = 0, *, month: int = 12, year: int = 2026) -> datetime.datetime:
    """A moment in Almaty, December 2026 unless told otherwise."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=ALMATY)


def kindergarten_staff(kindergarten, **kwargs):
    user = UserFactory(role=Role.KINDERGARTEN, **kwargs)
    user.kindergartens.add(kindergarten)
    return user


def parent_of(application):
    """The parent's user (the personal cabinet) of ``application``, made on first use."""
    applicant = application.applicant
    if applicant.user_id is None:
        applicant.user = UserFactory(role=Role.PARENT, first_name=applicant.name, last_name=applicant.surname)
        applicant.save(update_fields=["user"])
    return applicant.user


def group_in(kindergarten, *, birth_year: int = 2022, kind: str = KindergartenKind.GENERAL, **kwargs):
    return GroupFactory(kindergarten=kindergarten, birth_year=birth_year, kind=kind, **kwargs)


def queue_of(group) -> Queue:
    return Queue.objects.get(
        settlement=group.kindergarten.settlement, birth_year=group.birth_year, kind=group.kind
    )


def waiting(settlement, count: int, *, first: datetime.datetime, birth_date=BIRTH_DATE, **kwargs) -> list:
    """``count`` applications submitted a minute apart from ``first``, in that order."""
    return [
        submit(
            settlement,
            child=child_details(birth_date=birth_date),
            now=first + datetime.timedelta(minutes=index),
            **kwargs,
        )
        for index in range(count)
    ]


def published_bulletin(specialist, places, *, now: datetime.datetime):
    """A bulletin of ``places`` ({group: number}) in the specialist's first district, published at ``now``.

    Publication enqueues ``open_access`` on commit; tests inside a transaction
    run it themselves (or with ``django_capture_on_commit_callbacks``).
    """
    district = specialist.districts.first()
    bulletin = services.create_bulletin(district=district, actor=specialist, now=now)
    for group, number in places.items():
        services.add_place(bulletin=bulletin, group=group, places=number, actor=specialist, now=now)
    return services.publish_bulletin(bulletin=bulletin, actor=specialist, now=now)
