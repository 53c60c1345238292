"""What the parent's busiest pages cost the database: a fixed number of queries (issue 7).

On bulletin day parents reload "my applications" and an application's page
again and again, so neither may read more when a family has more children,
more queues or more documents. Positions come from the Redis copy of the
queue order, in step as it is in production, and the parent is signed in as a
sign-in leaves them: through ``OneTimeCodeBackend``.
"""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import services
from applications.choices import BenefitCategory
from applications.tests.factories import child_details, document
from applications.tests.test_portal_cabinet import NOW, TODAY, apply_for
from queues import ranks
from queues.models import Queue

BIRTH_DATES = (datetime.date(2022, 4, 12), datetime.date(2021, 6, 1), datetime.date(2023, 5, 5))
EXTRA_DOCUMENTS = (BenefitCategory.TEACHER, BenefitCategory.ORPHAN, BenefitCategory.DISABLED_PARENT)

#: user with applicant; the page's state (its key in the page cache, ``selectors.cabinet_state``);
#: applications; queue entries with their queues (the session comes from the cache). A second look
#: served from the cache reads the first two alone (placements/tests/test_pages_cache.py).
CABINET_QUERIES = 4
#: user with applicant; the page's state (``selectors.page_state``); application; queue entries;
#: documents; history; preferred
#: kindergartens; places open to all; the position histories (their starting counts, their events);
#: the openings in its queues (bulletins' panel, the public log); the wait estimates on a cold cache
#: (whether a PMPK conclusion exempts the child from ageing out, the queues' first events, their last year)
DETAIL_QUERIES = 14


pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]


def family_application(parent, settlement, specialist, *, birth_date, queues: int, documents: int):
    """An application standing in ``queues`` queues (general, special, sanatorium) with ``documents``
    benefit documents besides the PMPK conclusion, the first of them confirmed: a history of several events.
    """
    uploads = [document(BenefitCategory.SPECIAL_NEEDS, issued_on=TODAY)]
    uploads += [document(category, issued_on=TODAY) for category in EXTRA_DOCUMENTS[:documents]]
    application = apply_for(
        parent,
        settlement,
        child=child_details(name=f"Бала {birth_date.year}", birth_date=birth_date),
        wants_special=queues >= 2,
        wants_sanatorium=queues >= 3,
        documents=uploads,
    )
    services.confirm_benefit(
        document=application.benefit_documents.get(category=EXTRA_DOCUMENTS[0]), actor=specialist
    )
    return application


def ranks_in_step() -> None:
    """The Redis copy of every queue at PostgreSQL's version, as it is between queue events."""
    for queue in Queue.objects.all():
        assert ranks.rebuild_queue(queue.pk)


@pytest.mark.usefixtures("english_pages", "ranks_redis")
@pytest.mark.parametrize("count", [1, 3])
def test_my_applications_read_the_same_few_queries_however_many_applications_and_queues(
    parent_client, parent, settlement_a, specialist_a, count, django_assert_max_num_queries
):
    for birth_date in BIRTH_DATES[:count]:
        family_application(parent, settlement_a, specialist_a, birth_date=birth_date, queues=2, documents=1)
    ranks_in_step()

    with django_assert_max_num_queries(CABINET_QUERIES):
        response = parent_client.get(reverse("applications:cabinet"))

    assert response.status_code == 200
    assert response.text.count("Position 1 of 1 in this queue.") == 2 * count
    assert response.text.count("Special queue, children born in") == count


@pytest.mark.usefixtures("english_pages", "ranks_redis")
@pytest.mark.parametrize(("queues", "documents"), [(1, 1), (3, 3)])
def test_an_application_page_reads_the_same_few_queries_however_many_queues_and_documents(
    parent_client, parent, settlement_a, specialist_a, queues, documents, django_assert_max_num_queries
):
    application = family_application(
        parent, settlement_a, specialist_a, birth_date=BIRTH_DATES[0], queues=queues, documents=documents
    )
    ranks_in_step()

    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = parent_client.get(reverse("applications:detail", args=[application.number]))

    assert response.status_code == 200
    assert response.text.count("in this queue.") == queues
    assert response.text.count("Download<span") == 1 + documents
    assert "Benefit confirmed" in response.text


@pytest.mark.usefixtures("english_pages")
def test_reloading_a_page_writes_the_session_at_most_once_a_minute(parent_client, clock):
    def session_writes(seconds_later: int) -> int:
        clock.shift(datetime.timedelta(seconds=seconds_later))
        with CaptureQueriesContext(connection) as queries:
            assert parent_client.get(reverse("applications:cabinet")).status_code == 200
        table = Session._meta.db_table
        return sum(f'UPDATE "{table}"' in query["sql"] for query in queries.captured_queries)

    assert [session_writes(seconds) for seconds in (10, 20, 29)] == [0, 0, 0]
    assert session_writes(1) == 1  # a minute after signing in: the last activity moves on
    assert [session_writes(seconds) for seconds in (15, 30)] == [0, 0]
