"""A parent chooses notices of moves and of estimate changes, phone and desktop, in Kazakh and Russian.

The screenshots are in var/screenshots/ (move-notices-<language>-<width>.png).
"""

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import PARENT_BACKEND, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "kk": {
        "menu": "Хабарламалар",
        "option": "10 орын немесе одан көп",
        "estimate": "Рұқсаттың қашан ашылуы мүмкін екені туралы бағалау өзгергенде хабарлаңыз",
        "saved": "таңдауыңыз сақталды",
    },
    "ru": {
        "menu": "Уведомления",
        "option": "на 10 мест и больше",
        "estimate": "Сообщать, когда меняется оценка того, когда может открыться доступ",
        "saved": "выбор уведомлений сохранён",
    },
}


def test_the_parent_turns_notices_of_moves_and_of_estimate_changes_on_from_the_menu(
    chromium, browser_page, live_server, client, parent
):
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
        words = WORDS[language]
        page.goto(live_server.url + reverse("applications:cabinet"))
        page.get_by_role("link", name=words["menu"]).click()
        page.get_by_label(words["option"]).check()
        page.get_by_label(words["estimate"]).check()
        page.get_by_role("button", name={"kk": "Сақтау", "ru": "Сохранить"}[language]).click()
        assert page.get_by_text(words["saved"]).is_visible()
        assert page.get_by_label(words["option"]).is_checked()
        assert page.get_by_label(words["estimate"]).is_checked()
        screenshot(page, f"move-notices-{language}")
    parent.refresh_from_db()
    assert parent.move_notice_threshold == 10
    assert parent.estimate_notices_since is not None
