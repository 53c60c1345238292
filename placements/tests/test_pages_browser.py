"""A parent with open access takes a referral in a real browser, at a phone's and at a desktop's width.

Sign in with the code from the outbox, see the access in the cabinet, open
the places, press Get referral, type the code from the new SMS, see the
referral, download its PDF, and open the verification page its QR code
points at. Screenshots of each page go to var/screenshots/.
"""

import re

import pytest

from accounts.tests.helpers import code_sent_to
from bulletins.tests.factories import parent_of
from conftest import screenshot
from placements.choices import ReferralStatus
from placements.models import Referral
from placements.tests.pages import AN_HOUR_LATER, places_url

# An hour after the bulletin of placements/tests/conftest.py was published; the clock ticks on.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.clock(AN_HOUR_LATER, tick=True)]


def click(page, selector):
    page.locator(selector).first.click()
    page.wait_for_load_state()


def test_a_parent_with_access_takes_a_referral_and_checks_it(
    browser_page, live_server, clock, waiting_four, place
):
    page, base = browser_page, live_server.url
    g1 = waiting_four[0]
    applicant = g1.applicant
    parent_of(g1)

    page.goto(f"{base}/sign-in/")
    page.fill("input[name=iin]", applicant.iin)
    page.fill("input[name=phone]", applicant.phone)
    click(page, "button.sign-in-button")
    page.fill("input[name=code]", code_sent_to(applicant.phone))
    click(page, "button.sign-in-button")
    assert page.url.endswith("/cabinet/")
    assert page.locator(".referral-state-access").is_visible()
    screenshot(page, "cabinet-access")

    click(page, f".referral-state-access a[href='{places_url(g1)}']")
    assert page.locator(".kindergarten-places").count() == 1
    assert page.get_by_text(place.group.kindergarten.address).is_visible()
    screenshot(page, "places")

    click(page, "form.place-take button[type=submit]")
    code_input = page.locator("input[name=code]")
    assert code_input.get_attribute("autocomplete") == "one-time-code"
    assert code_input.get_attribute("inputmode") == "numeric"
    screenshot(page, "get-referral")
    code_input.fill(code_sent_to(applicant.phone))
    click(page, "form.take-form button[type=submit]")

    referral = Referral.objects.get(application=g1)
    assert referral.status == ReferralStatus.ISSUED
    assert page.url.endswith(f"/cabinet/referrals/{referral.number}/")
    assert page.get_by_text(referral.verification_code).first.is_visible()
    screenshot(page, "referral")

    with page.expect_download() as download_info:
        page.locator(f"a[href$='/cabinet/referrals/{referral.number}/pdf/']").click()
    download = download_info.value
    assert download.suggested_filename == f"referral-{referral.number}.pdf"
    with open(download.path(), "rb") as downloaded:
        content = downloaded.read()
    assert content.startswith(b"%PDF")
    (url,) = set(re.findall(rb"/URI \((http[^)]+)\)", content))

    page.goto(url.decode())
    assert page.locator(".verify-result-valid").is_visible()
    assert referral.child.surname not in page.content()
    screenshot(page, "verify")
