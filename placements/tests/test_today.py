"""The specialist's day on the admin's index: real counts after a scripted week, scoped as the lists."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from applications import services as application_services
from applications.choices import BenefitCategory, Channel
from applications.tests.factories import child_details, document, submit
from bulletins import services as bulletin_services
from bulletins.tests.factories import (
    MONDAY_14_DECEMBER,
    at,
    group_in,
    kindergarten_staff,
    parent_of,
    published_bulletin,
)
from placements.tests.factories import take

pytestmark = pytest.mark.usefixtures("english_pages")

#: Tuesday 22 December 2026, 09:00 in Almaty: the day the referrals of Monday 14 December run out.
MORNING = at(22, 9)

LABELS = [
    "Benefit documents awaiting a check",
    "Out-of-turn referrals awaiting confirmation",
    "Vacancy reports not yet in a bulletin",
    "Draft bulletins",
    "Referrals that expire today",
    "Priority windows that end today",
    "Children who left the queue by age this week",
]


@pytest.fixture
def week(waiting_four, settlement_a, specialist_a, kindergarten_a, group, django_capture_on_commit_callbacks):
    """What happened in district A from Monday 14 to this Tuesday morning, through the real use cases."""
    serviceman = submit(
        settlement_a,
        child=child_details(birth_date=datetime.date(2022, 5, 1)),
        documents=[document(BenefitCategory.SERVICEMAN, datetime.date(2026, 11, 20))],
        now=at(20, month=11),
    )
    application_services.confirm_benefit(
        document=serviceman.benefit_documents.get(), actor=specialist_a, now=at(20, 12, month=11)
    )
    too_old = submit(
        settlement_a, child=child_details(birth_date=datetime.date(2019, 3, 1)), now=at(2, month=9, year=2024)
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = published_bulletin(specialist_a, {group: 2}, now=MONDAY_14_DECEMBER)
        bulletin_services.open_access(bulletin_id=first.pk, now=MONDAY_14_DECEMBER)
        place = first.places.get()
        take(serviceman, place, now=at(14, 11))  # out of turn: waits for a fresh certificate until 22.12
        take(waiting_four[0], place, now=at(14, 12))  # valid through Tuesday 22 December
        second = published_bulletin(specialist_a, {group_in(kindergarten_a, birth_year=2021): 1}, now=at(17))
    staff = kindergarten_staff(kindergarten_a)
    bulletin_services.report_vacancy(group=group, places=1, actor=staff, now=at(18, 15))
    bulletin_services.create_bulletin(
        district=specialist_a.districts.get(), actor=specialist_a, now=at(21, 9)
    )
    application_services.add_benefit_document(
        application=waiting_four[2],
        upload=document(BenefitCategory.LARGE_FAMILY, datetime.date(2026, 12, 1)),
        actor=parent_of(waiting_four[2]),
        now=at(19, 20),
    )
    submit(  # a paper application the specialist typed in: its document is for someone else to check
        settlement_a,
        actor=specialist_a,
        channel=Channel.EDUCATION_DEPARTMENT,
        child=child_details(birth_date=datetime.date(2022, 7, 7)),
        documents=[document(BenefitCategory.TEACHER, datetime.date(2026, 12, 10))],
        received_at=at(22, 8, 30),
        now=at(22, 8, 30),
    )
    application_services.age_out_children(now=at(21, 2))
    return {"second": second, "too_old": too_old}


def day_of(client, user):
    with time_machine.travel(MORNING, tick=False):
        client.force_login(user)
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    (section,) = [s for s in response.context["sections"] if s["template"] == "admin/placements/today.html"]
    return response, {task.label: (task, days) for task, days in section["rows"]}


def figures(rows):
    return {str(label): (task.count, days) for label, (task, days) in rows.items()}


def test_the_specialist_sees_the_day_with_counts_ages_and_the_deadline(client, week, specialist_a):
    response, rows = day_of(client, specialist_a)

    assert [str(label) for label in rows] == LABELS
    assert figures(rows) == {
        "Benefit documents awaiting a check": (1, 3),  # the parent's upload of Saturday; not her own
        "Out-of-turn referrals awaiting confirmation": (1, 8),
        "Vacancy reports not yet in a bulletin": (1, 4),
        "Draft bulletins": (1, 1),
        "Referrals that expire today": (1, 8),
        "Priority windows that end today": (1, 5),
        "Children who left the queue by age this week": (1, 1),
    }
    assert rows["Out-of-turn referrals awaiting confirmation"][0].deadline == datetime.date(2026, 12, 22)
    page = response.content.decode()
    assert "22.12.2026" in page
    assert "14.12.2026" in page


def test_each_link_opens_the_admin_list_of_exactly_the_items_counted(client, week, specialist_a):
    _, rows = day_of(client, specialist_a)

    for label, (task, _days) in rows.items():
        with time_machine.travel(MORNING, tick=False):
            listing = client.get(task.url)
        assert listing.status_code == 200, label
        assert "e=1" not in listing.get("Location", ""), label
        assert listing.context["cl"].result_count == task.count, label


def test_four_eyes_the_other_specialist_is_given_the_paper_document_too(client, week, second_specialist_a):
    _, rows = day_of(client, second_specialist_a)

    assert rows["Benefit documents awaiting a check"][0].count == 2


def test_another_district_sees_nothing_of_district_a(client, week, specialist_b):
    _, rows = day_of(client, specialist_b)

    assert {task.count for task, _days in rows.values()} == {0}


def test_the_department_head_sees_every_district_of_the_department(client, week, specialist_a, district_b):
    head = specialist_a
    head.districts.add(district_b)

    _, rows = day_of(client, head)

    assert rows["Draft bulletins"][0].count == 1
    assert rows["Children who left the queue by age this week"][0].count == 1


def test_a_count_link_of_district_a_opened_by_district_b_lists_nothing_of_it(
    client, week, specialist_a, specialist_b
):
    _, rows = day_of(client, specialist_a)
    urls = {label: task.url for label, (task, _days) in rows.items() if task.count}
    assert urls  # the morning has work in district A

    for label, url in urls.items():
        with time_machine.travel(MORNING, tick=False):
            client.force_login(specialist_b)
            listing = client.get(url)
        assert listing.status_code == 200, label
        assert listing.context["cl"].result_count == 0, label
