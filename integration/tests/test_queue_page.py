"""``GET /api/v1/queues/<kato>/<year>/<kind>/``: a page in order, in scope only (issue 5, item 4)."""

from applications.tests.factories import child_details
from applications.tests.factories import submit as submit_application
from queues.models import Queue
from queues.selectors import queue_page


def url(settlement, year=2022, kind="general", query=""):
    return f"/api/v1/queues/{settlement.kato_code}/{year}/{kind}/{query}"


def test_a_department_reads_a_page_of_its_queue_in_order(department_client, settlement_a):
    applications = [submit_application(settlement_a, child=child_details()) for _ in range(3)]
    response = department_client.get(url(settlement_a, query="?offset=1&limit=2"))
    assert response.status_code == 200
    body = response.json()
    assert body["totals"] == {"out_of_turn": 0, "first_turn": 0, "general": 3, "total": 3}
    queue = Queue.objects.get(settlement=settlement_a, kind="general")
    expected = queue_page(queue, offset=1, limit=2)
    assert [row["position"] for row in body["results"]] == [row.position for row in expected] == [2, 3]
    numbers = {application.pk: application.number for application in applications}
    assert [row["number"] for row in body["results"]] == [numbers[r.entry.application_id] for r in expected]


def test_a_department_gets_404_for_another_districts_queue(department_client, settlement_b):
    submit_application(settlement_b)
    assert department_client.get(url(settlement_b)).status_code == 404


def test_the_call_centre_reads_any_queue(call_centre_client, settlement_b):
    submit_application(settlement_b)
    assert call_centre_client.get(url(settlement_b)).status_code == 200


def test_a_service_centre_may_not_read_queues(gov_corp_client, settlement_a):
    submit_application(settlement_a)
    assert gov_corp_client.get(url(settlement_a)).status_code == 403


def test_the_limit_is_at_most_a_hundred(department_client, settlement_a):
    submit_application(settlement_a)
    response = department_client.get(url(settlement_a, query="?limit=101"))
    assert response.status_code == 400
    assert "limit" in response.json()["error"]["fields"]


def test_an_unknown_queue_is_404(department_client, settlement_a):
    assert department_client.get(url(settlement_a, year=2019)).status_code == 404
    assert department_client.get(url(settlement_a, kind="nonsense")).status_code == 404
