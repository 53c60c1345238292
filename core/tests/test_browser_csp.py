"""Every kind of page still works under the Content Security Policy, in a real browser.

Chromium reports each blocked script, style or image on the console
("Refused to ... because it violates the following Content Security Policy
directive"); one such message fails the test. Staff are signed in by handing
the browser a session made with ``force_login`` (the admin's own sign-in has a
second factor, tested on its own). Screenshots go to var/screenshots/csp-*.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from applications.choices import BenefitCategory
from applications.tests.factories import document, submit
from bulletins.tests.factories import kindergarten_staff, parent_of
from conftest import screenshot
from core import clock

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in_browser(page, base_url: str, user) -> None:
    """The browser carries ``user``'s session from now on (or none, for ``None``)."""
    page.context.clear_cookies()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}])


def test_every_kind_of_page_works_under_the_policy(
    browser_page, live_server, settlement_a, kindergarten_a, superuser, call_centre_operator
):
    application = submit(
        settlement_a, documents=[document(BenefitCategory.LARGE_FAMILY, issued_on=clock.today())]
    )
    parent = parent_of(application)
    staff = kindergarten_staff(kindergarten_a)
    page = browser_page
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    pages = [
        ("home", None, reverse("home"), "main"),
        ("sign-in", None, reverse("accounts:sign_in"), "form.sign-in-form"),
        ("cabinet", parent, reverse("applications:cabinet"), "main"),
        ("application", parent, reverse("applications:detail", args=[application.number]), "main"),
        ("admin-changelist", superuser, reverse("admin:applications_application_changelist"), "#result_list"),
        (
            "admin-change-form",
            superuser,
            reverse("admin:applications_application_change", args=[application.pk]),
            "#content-main",
        ),
        ("desk", call_centre_operator, reverse("callcentre_desk:lookup"), "form.desk-lookup"),
        ("kindergarten", staff, reverse("kindergarten_desk:referrals"), "main"),
        ("api-docs", None, reverse("api-docs"), ".swagger-ui .information-container"),
    ]

    for name, user, path, landmark in pages:
        sign_in_browser(page, live_server.url, user)
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")

        assert refused == [], name
        assert page.url == live_server.url + path, name  # not sent to a sign-in page
        page.wait_for_selector(landmark)
        screenshot(page, f"csp-{name}")
