"""From a published bulletin to an enrolled child, each person in their own browser.

A specialist publishes a bulletin in the admin; the access task runs; the
parent with access sees it, takes a referral with the code from the outbox,
downloads the PDF and opens the verification page it points at; the
kindergarten registers enrolment at its desk, and the child is gone from the
queue. Run at a phone's and a desktop's width; screenshots in var/screenshots/.
"""

import datetime
import re
import zoneinfo

import pytest

from accounts.tests.helpers import code_sent_to, enter_authenticator_code
from bulletins.models import Access, Bulletin
from bulletins.tests.factories import group_in, kindergarten_staff, parent_of, waiting
from conftest import screenshot
from placements.models import Referral
from queues.models import QueueEntry

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
PASSWORD = "a-long-test-password"  # the factories' password


#: Tuesday 1 December 2026, 10:00 in Almaty: outside the August freeze; the clock ticks on.
WORKING_DAY = datetime.datetime(2026, 12, 1, 10, tzinfo=ALMATY)
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.clock(WORKING_DAY, tick=True)]


def go(page, url):
    page.goto(url)
    page.wait_for_load_state()


def submit_form(page, selector="form [type=submit]"):
    page.locator(selector).last.click()
    page.wait_for_load_state()


def sign_in_to_admin(page, base, user, next_path="/admin/"):
    go(page, f"{base}/admin/login/?next={next_path}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    submit_form(page, "input[type=submit]")
    enter_authenticator_code(page, user)


def test_from_publication_to_enrolment(
    chromium, browser_page, live_server, clock, specialist_a, settlement_a, kindergarten_a
):
    base = live_server.url
    group = group_in(kindergarten_a, birth_year=2022, name="Күншуақ")
    first, second = waiting(settlement_a, 2, first=datetime.datetime(2026, 1, 5, 9, tzinfo=ALMATY))
    teacher = kindergarten_staff(kindergarten_a, username="head_k1", is_staff=True)
    parent_of(first)

    # The specialist publishes a bulletin with one place.
    staff_context = chromium.new_context(viewport=browser_page.viewport_size)
    specialist = staff_context.new_page()
    specialist.viewport_name = browser_page.viewport_name
    sign_in_to_admin(specialist, base, specialist_a)
    go(specialist, f"{base}/admin/bulletins/bulletin/add/")
    submit_form(specialist)
    bulletin = Bulletin.objects.get()
    go(specialist, f"{base}/admin/bulletins/bulletin/{bulletin.pk}/add-place/")
    specialist.select_option("select[name=group]", str(group.pk))
    specialist.fill("input[name=places]", "1")
    submit_form(specialist)
    go(specialist, f"{base}/admin/bulletins/bulletin/{bulletin.pk}/publish/")
    screenshot(specialist, "e2e-publish")
    submit_form(specialist)
    bulletin.refresh_from_db()
    assert bulletin.status == "published"
    assert list(Access.objects.values_list("application", flat=True)) == [first.pk]

    # The parent with access takes the referral with a fresh code.
    page = browser_page
    go(page, f"{base}/sign-in/")
    page.fill("input[name=iin]", first.applicant.iin)
    page.fill("input[name=phone]", first.applicant.phone)
    submit_form(page, "button.sign-in-button")
    page.fill("input[name=code]", code_sent_to(first.applicant.phone))
    submit_form(page, "button.sign-in-button")
    go(page, f"{base}/cabinet/applications/{first.number}/places/")
    assert page.get_by_text(kindergarten_a.address).first.is_visible()
    screenshot(page, "e2e-places")
    submit_form(page, "form.place-take button[type=submit]")
    page.fill("input[name=code]", code_sent_to(first.applicant.phone))
    submit_form(page, "form.take-form button[type=submit]")
    referral = Referral.objects.get(application=first)
    assert page.url.endswith(f"/cabinet/referrals/{referral.number}/")

    with page.expect_download() as download_info:
        page.locator(f"a[href$='/cabinet/referrals/{referral.number}/pdf/']").click()
    with open(download_info.value.path(), "rb") as downloaded:
        pdf = downloaded.read()
    assert pdf.startswith(b"%PDF")
    (verification_url,) = set(re.findall(rb"/URI \((http[^)]+)\)", pdf))
    go(page, verification_url.decode())
    assert page.locator(".verify-result-valid").is_visible()
    screenshot(page, "e2e-verify")

    # The kindergarten registers enrolment; the child leaves the queue, the other child moves up.
    desk = staff_context.new_page()
    desk.viewport_name = browser_page.viewport_name
    specialist.close()
    staff_context.clear_cookies()
    sign_in_to_admin(desk, base, teacher, next_path="/kindergarten/")
    assert desk.get_by_text(referral.child.full_name).first.is_visible()
    screenshot(desk, "e2e-desk")
    go(desk, f"{base}/kindergarten/referrals/{referral.number}/enrol/")
    submit_form(desk, "form.portal-form button[type=submit]")
    referral.refresh_from_db()
    assert referral.status == "enrolled"
    assert not QueueEntry.objects.filter(application=first, left_at__isnull=True).exists()
    assert QueueEntry.objects.get(application=second, left_at__isnull=True).is_standing
    staff_context.close()
