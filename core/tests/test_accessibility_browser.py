"""No serious or critical accessibility fault on any kind of page, in both languages, at both widths.

axe-core (npm, pinned in core/tests/axe/package.json; ``make test`` installs it,
it is never served to users) is injected by the browser into each page of the
list below, from the public pages to the parent's, the desks and the admin,
in Kazakh and Russian at a phone's 390 px and a desktop's 1366 px (issue 14,
item 5). One browser context per language and width walks the whole list;
staff and parents are signed in by handing the browser a session cookie.
Screenshots go to var/screenshots/a11y-*.
"""

import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from bulletins.tests.factories import MONDAY_14_DECEMBER
from conftest import IN_CI, screenshot
from core import outbox
from core.tests.test_access_matrix import World
from core.tests.test_browser_csp import sign_in_browser
from placements.tests import factories as placement_factories

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(settings.BASE_DIR) / "core" / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 900}}
BLOCKING = {"serious", "critical"}


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        if IN_CI:
            pytest.fail("CI=true and axe-core is missing: run `make test` (npm ci in core/tests/axe)")
        pytest.skip("axe-core is not installed (make test installs it with npm)")
    return AXE.read_text()


def latest_code_sent_to(phone: str) -> str:
    """The code of the latest SMS to ``phone`` that carries one."""
    texts = [text for text in outbox.messages_to(phone, channel="sms") if re.search(r"\b\d{6}\b", text)]
    assert texts, f"no code sent to {phone}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


@pytest.fixture
def world(
    settlement_a, settlement_b, specialist_a, specialist_b, call_centre_operator, superuser, monkeypatch
):
    # Outside a test transaction the access SMS goes out at once, in the same frozen second as the
    # referral's code: the outbox cannot tell which came last, so the parent reads the one with a code.
    monkeypatch.setattr(placement_factories, "code_sent_to", latest_code_sent_to)
    with time_machine.travel(MONDAY_14_DECEMBER, tick=False):
        return World(settlement_a, settlement_b, specialist_a, specialist_b, call_centre_operator, superuser)


def pages_of(world) -> list[tuple[str, str | None, str]]:
    """(name, who is signed in, path) for every kind of page."""
    application = world.parent_application
    return [
        ("home", None, reverse("home")),
        ("check", None, reverse("applications:check")),
        ("bulletins", None, reverse("bulletins:public")),
        ("statistics", None, reverse("bulletins:statistics")),
        ("openings", None, reverse("bulletins:openings")),
        ("open-data", None, reverse("bulletins:open_data")),
        ("sign-in", None, reverse("accounts:sign_in")),
        ("staff-sign-in", None, reverse("admin:login")),
        ("cabinet", "parent A", reverse("applications:cabinet")),
        ("application", "parent A", reverse("applications:detail", args=[application.number])),
        ("places", "parent A", reverse("placements:places", args=[application.number])),
        ("referral", "parent A", reverse("placements:referral", args=[world.referral.number])),
        ("call-centre-desk", "operator", reverse("callcentre_desk:lookup")),
        ("kindergarten-desk", "kindergarten K1", reverse("kindergarten_desk:referrals")),
        ("admin-index", "specialist D1", reverse("admin:index")),
        ("admin-changelist", "specialist D1", reverse("admin:applications_application_changelist")),
        ("admin-audit", "specialist D1", reverse("admin:audit_auditevent_changelist")),
        (
            "admin-change-form",
            "specialist D1",
            reverse("admin:applications_application_change", args=[application.pk]),
        ),
    ]


def serious_violations(page, axe_source: str) -> list[str]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_no_page_has_a_serious_accessibility_fault(chromium, live_server, world, axe_source, language, width):
    # The policy forbids inline scripts, axe's included: this context alone lets the test inject it.
    context = chromium.new_context(viewport=WIDTHS[width], locale=f"{language}-KZ", bypass_csp=True)
    page = context.new_page()
    page.viewport_name = f"{language}-{width}"
    base = live_server.url
    faults, signed_in_as = {}, object()
    try:
        for name, who, path in pages_of(world):
            if who != signed_in_as:
                sign_in_browser(page, base, world.users.get(who))
                signed_in_as = who
            page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
            page.goto(base + path)
            page.wait_for_load_state("load")
            assert page.url == base + path, name  # the page itself, not a sign-in page
            assert page.locator("html").get_attribute("lang") == language, name
            found = serious_violations(page, axe_source)
            if found:
                faults[name] = found
            if language == "kk":  # one language's pictures are enough to look at; they take time
                screenshot(page, f"a11y-{name}")
    finally:
        context.close()

    assert faults == {}
