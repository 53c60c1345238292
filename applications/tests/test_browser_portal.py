"""A new parent's whole way through the portal, in a real browser, at a phone's and a desktop's width.

Sign in with IIN and the code from the outbox, register, add a child, apply
with a benefit document, see the position and its explanation, switch to
Kazakh and see the same page translated, withdraw. Screenshots of each main
page go to var/screenshots/.
"""

import datetime
import re

import pytest

from applications.models import Application
from applications.tests.factories import PDF_BYTES, child_iin
from conftest import screenshot
from core import outbox
from core.iin import Sex
from directory.tests.factories import KindergartenFactory, SettlementFactory
from registers.tests.people import a_person

pytestmark = pytest.mark.django_db(transaction=True)

PARENT_IIN = "900101440012"
PARENT_PHONE = "+77015550101"
#: The parent's son as the person register knows him.
SON = a_person(
    datetime.date(2022, 4, 12),
    Sex.MALE,
    iin=child_iin(datetime.date(2022, 4, 12), Sex.MALE),
    surname="Сейітов",
    name="Алихан",
    patronymic="",
    representatives=(PARENT_IIN,),
)


@pytest.fixture
def settlement(district_a):
    settlement = SettlementFactory(district=district_a, name_kk="Қонаев", name_ru="Конаев")
    KindergartenFactory(settlement=settlement, name_kk="№1 «Балдәурен»", name_ru="№1 «Балдаурен»")
    return settlement


def press(page, name):
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state()


def choose_language(page, name):
    page.get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def sign_in_as_new_parent(page, base_url):
    page.goto(f"{base_url}/sign-in/")
    page.fill("input[name=iin]", PARENT_IIN)
    page.fill("input[name=phone]", PARENT_PHONE)
    screenshot(page, "sign-in")
    page.locator("button.sign-in-button").click()
    page.wait_for_load_state()
    (sms,) = outbox.messages_to(PARENT_PHONE, channel="sms")
    code = re.search(r"\b(\d{6})\b", sms).group(1)
    page.fill("input[name=code]", code)
    page.locator("button.sign-in-button").click()
    page.wait_for_load_state()
    page.fill("input[name=surname]", "Сейітова")
    page.fill("input[name=name]", "Айгерім")
    page.check("input[name=consent]")
    screenshot(page, "register")
    page.locator("button.sign-in-button").click()
    page.wait_for_load_state()


def test_a_new_parent_signs_in_applies_follows_the_position_and_withdraws(
    browser_page, live_server, settlement, tmp_path, person_register
):
    person_register.add(SON)
    page, base = browser_page, live_server.url
    page.goto(base)
    choose_language(page, "Русский")

    sign_in_as_new_parent(page, base)
    assert page.url.endswith("/cabinet/")

    page.goto(f"{base}/cabinet/children/")
    page.fill("input[name=iin]", SON.iin)
    screenshot(page, "children")
    page.locator("form.portal-form button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("form.portal-form button[type=submit]").click()  # the register's data is right
    page.wait_for_load_state()
    assert page.get_by_text("Алихан").first.is_visible()

    page.goto(f"{base}/cabinet/apply/?q=Кона")
    page.get_by_role("link", name="Конаев").click()
    page.wait_for_load_state()
    page.check("input[name=preferred_language][value=kk]")
    page.select_option("select[name=benefit_category]", "large_family")
    page.fill("input[name=benefit_issued_on]", "2026-11-01")
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(PDF_BYTES)
    page.set_input_files("input[name=benefit_file]", str(certificate))
    screenshot(page, "apply")
    page.locator("form.portal-form button[type=submit]").click()
    page.wait_for_load_state()

    application = Application.objects.get()
    assert application.display_number in page.content()
    assert page.get_by_text("Место 1 из 1 в этой очереди.").first.is_visible()
    assert page.locator("html").get_attribute("lang") == "ru"
    screenshot(page, "application-ru")

    choose_language(page, "Қазақша")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.get_by_text("Осы кезектегі орныңыз: 1, барлығы: 1.").first.is_visible()
    assert application.display_number in page.content()
    screenshot(page, "application-kk")

    page.goto(f"{base}/cabinet/applications/{application.number}/withdraw/")
    screenshot(page, "withdraw")
    page.locator("form.portal-form button[type=submit]").click()
    page.wait_for_load_state()
    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert not application.queue_entries.filter(left_at__isnull=True).exists()
