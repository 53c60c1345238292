"""An operator signs in, looks a child up by IIN for a reason, reads the position; the look-up is audited.

Run at a phone's and a desktop's width; the screenshot is in var/screenshots/.
"""

import pytest
from django.utils import translation

from accounts.tests.helpers import enter_authenticator_code
from applications.tests.factories import submit as submit_application
from audit.models import AuditEvent
from conftest import screenshot
from queues.explanation import explain
from queues.selectors import positions_of_application

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"  # the factories' password


def test_an_operator_answers_a_parent_from_the_desk(
    chromium, browser_page, live_server, call_centre_operator, settlement_a
):
    application = submit_application(settlement_a)
    page = browser_page
    page.goto(f"{live_server.url}/admin/login/?next=/desk/")
    page.fill("input[name=username]", call_centre_operator.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    enter_authenticator_code(page, call_centre_operator)
    assert page.url == f"{live_server.url}/desk/"

    page.fill("input[name=iin]", application.child.iin)
    page.check("input[name=reason][value=referral]")
    page.locator("form.desk-lookup [type=submit]").click()
    page.wait_for_load_state()

    assert application.child.iin not in page.url
    assert application.display_number in page.locator("h1").inner_text()
    [position] = positions_of_application(application.pk)
    with translation.override("kk"):  # the browser asks for Kazakh
        sentences = explain(position.standing)
    assert page.locator(".explanation li").all_inner_texts() == sentences[1:]  # the first is the heading
    screenshot(page, "desk-answer")

    event = AuditEvent.objects.get(action="application.looked_up")
    assert event.target_id == str(application.pk)
    assert event.actor_id == call_centre_operator.pk
    assert event.details["reason"] == "referral"
    assert event.details["channel"] == "desk"
