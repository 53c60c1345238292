"""A parent reads, on a phone and on a desktop, in Kazakh and Russian, why the position moved and when
access may open (issue 12).

The screenshots are in var/screenshots/ (position-history-<language>-<width>.png).
"""

import datetime

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from applications import services
from applications.tests.factories import child_details, submit
from conftest import PARENT_BACKEND, screenshot
from core import clock
from queues.choices import LeaveReason
from queues.models import QueueEntry
from queues.services import leave_queues
from queues.tests.factories import record_places_given

pytestmark = pytest.mark.django_db(transaction=True)

ENROLLED = {
    "kk": "Сізден алдағы 1 бала балабақшаға қабылданды.",
    "ru": "1 ребёнок впереди вас зачислен в детский сад.",
}
#: Second in line after the enrolment and the withdrawal; a place a month over the last year.
ESTIMATE = {
    "kk": "Соңғы 12 айда бұл кезекте берілген 12 орынға қарағанда, орындарға рұқсат, шамасы,",
    "ru": "Судя по 12 местам, выданным в этой очереди за последние 12 месяцев, доступ к местам,",
}
HEADING = {"kk": "Кезегіңіз қашан келуі мүмкін", "ru": "Когда может подойти ваша очередь"}
WITHDRAWN = {
    "kk": "Сізден алдағы 1 өтініш кері қайтарылды.",
    "ru": "1 заявление впереди вас отозвано.",
}


def test_the_parent_reads_why_the_position_moved(
    chromium, browser_page, live_server, client, parent, settlement_a
):
    ahead = [submit(settlement_a, child=child_details()) for _ in range(3)]
    applicant = services.ApplicantDetails(
        iin=parent.iin, surname=parent.surname, name=parent.name, phone=parent.phone
    )
    application = submit(settlement_a, child=child_details(), applicant=applicant, actor=parent.user)
    with transaction.atomic():
        leave_queues(application_id=ahead[0].pk, reason=LeaveReason.ENROLLED, now=clock.now())
        leave_queues(application_id=ahead[1].pk, reason=LeaveReason.WITHDRAWN, now=clock.now())
    queue_id = QueueEntry.objects.get(application=application, queue__kind="general").queue_id
    record_places_given(queue_id, per_month=1, now=clock.now() - datetime.timedelta(days=2))
    client.force_login(parent.user, backend=PARENT_BACKEND)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page = browser_page
    for language in ("kk", "ru"):
        page.context.add_cookies(
            [
                {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url},
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
            ]
        )
        page.goto(live_server.url + reverse("applications:detail", args=[application.number]))
        history = page.locator(".position-history")
        assert history.locator("text=" + ENROLLED[language]).is_visible()
        assert history.locator("text=" + WITHDRAWN[language]).is_visible()
        estimate = page.locator(".wait-estimate")
        assert estimate.locator("h4").inner_text() == HEADING[language]
        assert estimate.locator(".wait-summary").inner_text().startswith(ESTIMATE[language])
        assert estimate.bounding_box()["width"] <= page.viewport_size["width"]
        screenshot(page, f"position-history-{language}")
