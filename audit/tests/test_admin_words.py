"""Staff read the audit trail's actions in words, in Kazakh and Russian; the code stays in the URL."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from applications.tests.factories import submit
from audit.models import AuditEvent
from audit.vocabulary import AuditAction


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_list_and_its_filter_name_each_action_in_words(client, superuser, settlement_a, language):
    submit(settlement_a)
    client.force_login(superuser)
    client.cookies["django_language"] = language

    page = client.get(reverse("admin:audit_auditevent_changelist")).text

    with translation.override(language):
        words = escape(str(AuditAction.APPLICATION_SUBMITTED.label))
    assert page.count(words) >= 2  # the row and the filter
    assert ">application.submitted<" not in page


def test_the_filter_keeps_the_events_of_one_action(client, superuser, settlement_a):
    submit(settlement_a)
    client.force_login(superuser)

    page = client.get(reverse("admin:audit_auditevent_changelist"), {"action": "application.submitted"})

    assert page.status_code == 200
    shown = {event.action for event in page.context["cl"].result_list}
    assert shown == {"application.submitted"}
    assert AuditEvent.objects.exclude(action="application.submitted").exists()
