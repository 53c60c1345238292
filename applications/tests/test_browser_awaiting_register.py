"""The application page at a phone's width while the register has yet to check the child (issue 18).

A service centre's application came in while the person register was silent:
the parent's page says, in Kazakh and Russian, that the child awaits the
register's check and that the application keeps its submission time.
Screenshots go to var/screenshots/.
"""

import datetime

import pytest

from accounts.choices import Role
from accounts.forms import CONSENT_VERSION
from accounts.tests.factories import UserFactory
from applications import register_checks
from applications.choices import Channel, RegisterCheck
from applications.intake import ApplicationInput
from applications.tests.factories import child_details
from conftest import PARENT_BACKEND, screenshot
from core import clock
from core.iin import Sex
from directory.choices import GroupLanguage

from .test_browser_register import WORDS

pytestmark = pytest.mark.django_db(transaction=True)

AWAITING = {
    "kk": ("Жеке тұлғалар тізілімінің тексеруін күтуде", "берілген уақытын сақтайды"),
    "ru": ("Ожидает проверки по реестру физических лиц", "сохраняет время подачи"),
}


@pytest.fixture
def awaiting_application(parent, settlement_a, person_register, fake_bus):
    """An application of a service centre registered while the register did not answer."""
    service_user = UserFactory(username="service_centre", role=Role.GOV_CORP)
    fake_bus.delay = 1.0
    intake = ApplicationInput(
        child=child_details(birth_date=datetime.date(2022, 4, 12), sex=Sex.FEMALE),
        applicant=register_checks.services.ApplicantDetails(
            iin=parent.iin, surname=parent.surname, name=parent.name, phone=parent.phone
        ),
        relation="mother",
        settlement=settlement_a,
        preferred_language=GroupLanguage.KAZAKH,
        received_at=clock.now() - datetime.timedelta(hours=1),
        consent_version=CONSENT_VERSION,
    )
    comparison = register_checks.compare_for_api(intake, actor=service_user)
    application = register_checks.submit_compared(
        intake, comparison, channel=Channel.GOV_CORP, actor=service_user, decides=True
    )
    assert application.register_check == RegisterCheck.AWAITING
    return application


@pytest.mark.parametrize("language", sorted(AWAITING))
def test_the_application_page_says_the_child_awaits_the_register(
    chromium, live_server, client, parent, awaiting_application, language
):
    client.force_login(parent.user, backend=PARENT_BACKEND)
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="kk-KZ")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.viewport_name = "phone"
    page.goto(f"{live_server.url}/cabinet/applications/{awaiting_application.number}/")
    page.get_by_role("link", name=WORDS[language]["language"], exact=True).click()
    page.wait_for_load_state()

    notice = page.locator("#awaiting-register")
    heading, meaning = AWAITING[language]
    assert notice.get_by_text(heading).is_visible()
    assert meaning in notice.inner_text()
    box = notice.bounding_box()
    assert box["x"] >= 0  # nothing runs off a phone's screen
    assert box["x"] + box["width"] <= 390
    screenshot(page, f"application-awaiting-register-{language}")
    context.close()
