"""The wait estimate on the parent's application page, in Kazakh and Russian (issue 12 item 2)."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from applications import services
from applications.tests.factories import child_details, submit
from core.clock import now as clock_now
from queues import estimate, selectors
from queues.models import QueueEntry
from queues.tests.factories import record_places_given

NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))

pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock", "shared_cache")]


@pytest.fixture
def application(parent, settlement_a):
    for _ in range(30):
        submit(settlement_a, child=child_details())
    applicant = services.ApplicantDetails(
        iin=parent.iin, surname=parent.surname, name=parent.name, phone=parent.phone
    )
    return submit(settlement_a, child=child_details(), applicant=applicant, actor=parent.user)


def general_queue_id(application):
    return QueueEntry.objects.get(application=application, queue__kind="general").queue_id


@pytest.mark.parametrize(
    ("language", "heading", "summary"),
    [
        (
            "ru",
            "Когда может подойти ваша очередь",
            "Судя по 120 местам, выданным в этой очереди за последние 12 месяцев, доступ к местам, "
            "скорее всего, откроется через 2–4 месяца.",
        ),
        (
            "kk",
            "Кезегіңіз қашан келуі мүмкін",
            "Соңғы 12 айда бұл кезекте берілген 120 орынға қарағанда, орындарға рұқсат, шамасы, "
            "2–4 айдан кейін ашылады.",
        ),
    ],
)
def test_the_parent_reads_when_access_may_open(parent_client, application, language, heading, summary):
    """31st in line, ten places a month: access in the fourth month (the 31st place), give or take one."""
    record_places_given(general_queue_id(application), per_month=10, now=clock_now())
    parent_client.cookies["django_language"] = language

    page = parent_client.get(reverse("applications:detail", args=[application.number])).text

    assert heading in page
    assert summary in page
    assert 'class="notice wait-warning"' not in page


def test_a_queue_without_history_says_so(parent_client, application):
    parent_client.cookies["django_language"] = "ru"
    page = parent_client.get(reverse("applications:detail", args=[application.number])).text
    assert "В этой очереди пока недостаточно истории, чтобы оценить, когда откроется доступ к местам." in page


def test_a_child_who_ages_out_before_access_is_warned(parent, parent_client, settlement_a):
    """Born in autumn 2019: 6 on 1 September 2026, too old on 1 September 2027; 31st, a place a month."""
    born = datetime.date(2019, 10, 1)
    for _ in range(30):
        submit(settlement_a, child=child_details(birth_date=born))
    applicant = services.ApplicantDetails(
        iin=parent.iin, surname=parent.surname, name=parent.name, phone=parent.phone
    )
    application = submit(
        settlement_a,
        child=child_details(birth_date=born),
        applicant=applicant,
        actor=parent.user,
    )
    record_places_given(general_queue_id(application), per_month=1, now=clock_now())
    parent_client.cookies["django_language"] = "ru"

    page = parent_client.get(reverse("applications:detail", args=[application.number])).text

    assert "только после 01.09.2027, когда ребёнок станет слишком взрослым для этой очереди" in page


def test_every_child_of_a_queue_is_read_from_one_simulation_a_day(parent_client, application, monkeypatch):
    """The second page of the day, and other children of the same queue, simulate nothing again."""
    record_places_given(general_queue_id(application), per_month=10, now=clock_now())
    simulated = []
    simulate = estimate.simulate
    monkeypatch.setattr(estimate, "simulate", lambda *a, **kw: simulated.append(1) or simulate(*a, **kw))
    monkeypatch.setattr(selectors, "_futures_kept", type(selectors._futures_kept)())
    address = reverse("applications:detail", args=[application.number])
    parent_client.cookies["django_language"] = "ru"
    first = parent_client.get(address).text
    queue_id = general_queue_id(application)
    others = QueueEntry.objects.filter(queue_id=queue_id).exclude(application=application)
    positions = selectors.positions_of_entries(list(others[:5]))

    again = re.findall(r"Судя по [^<]*", parent_client.get(address).text)
    assert again
    assert again == re.findall(r"Судя по [^<]*", first)
    assert all(found.enough_history for found in selectors.wait_estimates(positions))
    assert len(simulated) == QueueEntry.objects.filter(application=application).count()
