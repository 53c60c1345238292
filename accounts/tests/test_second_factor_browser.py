"""A specialist's first sign-in in a browser: password, then adding the app from the page, then the admin.

Run at a phone's and a desktop's width; the screenshot is in var/screenshots/.
"""

import base64

import pytest
from django_otp.oath import totp

from conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"  # the factories' password


def test_a_specialist_adds_the_authenticator_app_at_first_sign_in(
    chromium, browser_page, live_server, specialist_a
):
    page = browser_page
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", specialist_a.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()

    assert page.url.startswith(f"{live_server.url}/admin/second-factor/")
    qr = page.locator("img.second-factor-qr")
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0"), "the QR code is drawn"
    screenshot(page, "second-factor-enrolment")
    secret = page.locator(".second-factor-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("input[name=code]", f"{totp(key):06d}")
    page.locator("#second-factor-form [type=submit]").click()
    page.wait_for_load_state()

    assert page.url == f"{live_server.url}/admin/"
    assert page.locator("#site-name").is_visible()
