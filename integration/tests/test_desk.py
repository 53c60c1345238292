"""The call-centre desk ``/desk/``: the API's answer, in scope, for a reason, audited, read-only (item 8)."""

import pytest
from django.utils import translation

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from applications.tests.factories import submit as submit_application
from audit.models import AuditEvent
from bulletins.tests.factories import kindergarten_staff
from core import clock
from integration import services
from integration.choices import TokenRole
from integration.identity import ServiceIdentity
from integration.selectors import find_application, lookup_answer
from queues.explanation import explain
from queues.selectors import positions_of_application
from queues.tests.factories import record_places_given

pytestmark = pytest.mark.usefixtures("english_pages")

DESK = "/desk/"


@pytest.fixture
def application_a(settlement_a):
    return submit_application(settlement_a)


@pytest.fixture
def operator_client(client, call_centre_operator):
    client.force_login(call_centre_operator)
    return client


def look_up(client, **fields):
    return client.post(DESK, {"reason": "position", **fields})


def test_the_operator_finds_by_iin_and_reads_the_position_and_explanation(operator_client, application_a):
    response = look_up(operator_client, iin=application_a.child.iin)
    assert response.status_code == 200
    assert response.templates[0].name == "integration/desk/answer.html"
    content = response.content.decode()
    assert application_a.display_number in content
    [position] = positions_of_application(application_a.pk)
    assert f"Position {position.standing.position} of {position.standing.sizes.total}" in content
    with translation.override("en"):
        for sentence in explain(position.standing)[1:]:  # the first, the position itself, is the heading
            assert sentence in content
    assert "Application registered" in content  # the history
    assert "How your position moved" in content
    assert "Your application joined the queue at position 1." in content
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_operator_finds_by_number_with_dashes(operator_client, application_a):
    response = look_up(operator_client, number=application_a.display_number)
    assert response.status_code == 200
    assert response.context["answer"]["number"] == application_a.number


def test_each_look_up_is_audited_with_the_operator_and_reason(
    operator_client, call_centre_operator, application_a
):
    look_up(operator_client, iin=application_a.child.iin, reason="benefit")
    event = AuditEvent.objects.get(action="application.looked_up")
    assert event.target_id == str(application_a.pk)
    assert event.actor == call_centre_operator
    assert event.details == {"reason": "benefit", "channel": "desk", "by": "iin"}


def test_other_needs_a_note_which_is_kept(operator_client, application_a):
    refused = look_up(operator_client, number=application_a.number, reason="other")
    assert refused.context["form"].errors["note"]
    assert not AuditEvent.objects.filter(action="application.looked_up").exists()
    look_up(operator_client, number=application_a.number, reason="other", note="kindergarten address")
    event = AuditEvent.objects.get(action="application.looked_up")
    assert event.details["note"] == "kindergarten address"


def test_a_missing_reason_is_refused_and_nothing_is_looked_up(operator_client, application_a):
    response = operator_client.post(DESK, {"iin": application_a.child.iin})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert not AuditEvent.objects.filter(action__startswith="application.look").exists()


def test_exactly_one_of_iin_and_number(operator_client, application_a):
    both = look_up(operator_client, iin=application_a.child.iin, number=application_a.number)
    neither = look_up(operator_client)
    assert both.context["form"].non_field_errors()
    assert neither.context["form"].non_field_errors()


def test_a_look_up_is_never_a_get_with_an_iin(operator_client, application_a):
    response = operator_client.get(DESK, {"iin": application_a.child.iin, "reason": "position"})
    assert response.status_code == 200
    assert "answer" not in response.context
    assert not AuditEvent.objects.filter(action__startswith="application.look").exists()


def test_a_miss_answers_no_application_found_and_is_audited_on_the_user(
    operator_client, call_centre_operator, db
):
    response = look_up(operator_client, number="000-000-0000")
    assert "No application found" in response.content.decode()
    event = AuditEvent.objects.get(action="application.lookup_not_found")
    assert event.target_id == str(call_centre_operator.pk)
    assert event.details["reason"] == "position"


def test_a_specialist_finds_own_districts_only(client, specialist_a, specialist_b, application_a):
    client.force_login(specialist_b)
    response = look_up(client, iin=application_a.child.iin)
    assert "No application found" in response.content.decode()
    assert "answer" not in response.context
    assert AuditEvent.objects.filter(action="application.lookup_not_found").count() == 1
    client.force_login(specialist_a)
    assert look_up(client, iin=application_a.child.iin).context["answer"]["number"] == application_a.number


def test_parents_and_kindergarten_staff_get_403(client, kindergarten_a):
    for user in (UserFactory(role=Role.PARENT), kindergarten_staff(kindergarten_a, is_staff=True)):
        client.force_login(user)
        assert client.get(DESK).status_code == 403
        assert client.post(DESK, {"number": "0000000000", "reason": "position"}).status_code == 403


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(client, db):
    response = client.get(DESK)
    assert response.status_code == 302
    assert response.url == "/admin/login/?next=/desk/"


def test_the_operator_cannot_reach_the_admin_and_is_sent_to_the_desk(operator_client):
    response = operator_client.get("/admin/")

    assert response.status_code == 302
    assert response.url == DESK
    assert operator_client.get("/admin/applications/application/").status_code == 403


def test_the_answer_page_changes_nothing(operator_client, application_a):
    content = look_up(operator_client, iin=application_a.child.iin).content.decode()
    assert "/admin/" not in content
    # The only forms are the language switch and sign-out of the layout, none on the answer itself.
    main = content.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<form" not in main
    assert 'style="' not in content


def test_the_desk_and_the_api_give_the_same_answer(call_centre_operator, call_centre, application_a):
    token, _secret = services.issue_token(organisation=call_centre, role=TokenRole.CALL_CENTRE, name="Desk")
    by_desk = find_application(call_centre_operator, iin=application_a.child.iin)
    by_api = find_application(ServiceIdentity(token), number=application_a.display_number)
    assert by_desk == by_api == application_a
    assert lookup_answer(by_desk) == lookup_answer(by_api)


def test_the_desk_page_shows_the_apis_answer(operator_client, call_centre_client, application_a):
    desk = look_up(operator_client, iin=application_a.child.iin).context["answer"]
    api = call_centre_client.post(
        "/api/v1/lookup/", {"reason": "parent called", "iin": application_a.child.iin}, format="json"
    ).json()
    assert desk["number"] == api["number"]
    assert desk["status_label"] == api["status_label"]
    for field in ("position", "total", "explanation"):
        assert [queue[field] for queue in desk["queues"]] == [queue[field] for queue in api["queues"]]


def test_the_operator_reads_when_access_may_open(operator_client, settlement_a):
    """Tenth in line, five places a month: the operator tells the caller the months the parent reads."""
    for _ in range(9):
        submit_application(settlement_a)
    application = submit_application(settlement_a)
    [position] = positions_of_application(application.pk)
    record_places_given(position.entry.queue_id, per_month=5, now=clock.now())

    content = look_up(operator_client, number=application.number).content.decode()

    assert "When your turn may come" in content
    assert (
        "Based on 60 places given in this queue over the last 12 months, access is likely to open between"
        in content
    )
