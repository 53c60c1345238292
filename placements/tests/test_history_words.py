"""The parent's histories read every recorded action in words, in Kazakh and Russian, never as its code.

An event of every kind the audit trail knows (``audit.vocabulary``), and a
staff member's change through the admin, is recorded against the application
and against the referral; the application's page and the referral's page then
show each one's words and none of the codes such as ``referral.downloaded``.
"""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from audit.services import record
from audit.vocabulary import AuditAction, label_of
from placements.tests.factories import take
from placements.tests.pages import AN_HOUR_LATER, signed_in

pytestmark = [pytest.mark.clock(AN_HOUR_LATER, tick=True), pytest.mark.usefixtures("clock")]


@pytest.fixture
def referral(waiting_four, place):
    return take(waiting_four[0], place, now=AN_HOUR_LATER)


def _history_page(client, referral, *, page: str, language: str) -> tuple[str, list[str]]:
    """The page after one event of every kind about its record, and the actions recorded."""
    target = referral.application if page == "application" else referral
    actions = [*AuditAction.values, f"{target._meta.model_name}.changed"]
    for action in actions:
        record(action=action, target=target)
    url = (
        reverse("applications:detail", args=[referral.application.number])
        if page == "application"
        else reverse("placements:referral", args=[referral.number])
    )
    client.cookies["django_language"] = language
    response = signed_in(client, referral.application).get(url)
    assert response.status_code == 200
    return response.content.decode(), actions


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("page", ["application", "referral"])
def test_the_history_shows_every_action_in_words(client, referral, page, language):
    html, actions = _history_page(client, referral, page=page, language=language)

    with translation.override(language):
        missing = [action for action in actions if escape(label_of(action)) not in html]
    assert missing == []


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("page", ["application", "referral"])
def test_the_history_never_shows_an_action_code(client, referral, page, language):
    html, actions = _history_page(client, referral, page=page, language=language)

    assert [action for action in actions if action in html] == []
