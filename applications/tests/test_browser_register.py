"""Adding a child by IIN in a real browser at a phone's width, in Kazakh and Russian (issue 18).

The parent types the IIN, sees what the person register says, and confirms;
another family's child is refused with what to do instead. Screenshots go to
var/screenshots/.
"""

import datetime

import pytest

from applications.models import Guardianship
from applications.tests.factories import child_iin
from conftest import PARENT_BACKEND, screenshot
from core.iin import Sex
from registers.tests.people import a_person

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "kk": {
        "language": "Қазақша",
        "find": "Баланы тізілімнен табу",
        "confirm": "Иә, осы баланы қосу",
        "says": "Жеке тұлғалар тізіліміндегі мәліметтер",
        "refused": "ата-анасы немесе қамқоршысы ретінде көрсетілмегенсіз",
        "paper": "білім бөліміне",
    },
    "ru": {
        "language": "Русский",
        "find": "Найти ребёнка в реестре",
        "confirm": "Да, добавить этого ребёнка",
        "says": "Данные реестра физических лиц",
        "refused": "вы не указаны родителем или опекуном этого ребёнка",
        "paper": "в отделе образования",
    },
}
BORN = datetime.date(2022, 4, 12)


@pytest.fixture
def signed_in_page(chromium, live_server, parent, client):
    """A phone-sized page carrying the session of ``parent`` signed in by the one-time code."""
    client.force_login(parent.user, backend=PARENT_BACKEND)
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="kk-KZ")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.viewport_name = "phone"
    yield page
    context.close()


@pytest.mark.parametrize("language", sorted(WORDS))
def test_a_parent_adds_a_child_by_iin_and_a_stranger_s_child_is_refused(
    signed_in_page, live_server, parent, other_parent, person_register, language
):
    words, page = WORDS[language], signed_in_page
    own = a_person(BORN, Sex.FEMALE, iin=child_iin(BORN, Sex.FEMALE), surname="Омарова", name="Аружан",
                   patronymic="Ерланқызы", representatives=(parent.iin,))  # fmt: skip
    strangers = a_person(BORN, Sex.MALE, iin=child_iin(BORN, Sex.MALE), surname="Бекова",
                         name="Дамир", representatives=(other_parent.iin,))  # fmt: skip
    person_register.add(own, strangers)
    page.goto(f"{live_server.url}/cabinet/children/")
    page.get_by_role("link", name=words["language"], exact=True).click()
    page.wait_for_load_state()

    page.fill("input[name=iin]", own.iin)
    page.get_by_role("button", name=words["find"]).click()
    page.wait_for_load_state()
    assert page.get_by_text(words["says"]).is_visible()
    assert page.get_by_text("Ерланқызы").is_visible()
    assert page.get_by_text("12.04.2022").is_visible()
    screenshot(page, f"register-found-{language}")
    page.get_by_role("button", name=words["confirm"]).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Омарова Аружан Ерланқызы").is_visible()
    assert Guardianship.objects.filter(applicant=parent, child__iin=own.iin).exists()

    page.fill("input[name=iin]", strangers.iin)
    page.get_by_role("button", name=words["find"]).click()
    page.wait_for_load_state()
    assert page.get_by_text(words["refused"]).is_visible()
    assert words["paper"] in page.content()
    assert "Дамир" not in page.content()
    screenshot(page, f"register-refused-{language}")
    assert not Guardianship.objects.filter(child__iin=strangers.iin).exists()


def test_when_the_register_does_not_answer_the_parent_types_the_data_and_nothing_is_lost(
    signed_in_page, live_server, parent, person_register, fake_bus
):
    page = signed_in_page
    own = a_person(BORN, Sex.FEMALE, iin=child_iin(BORN, Sex.FEMALE), surname="Омарова", name="Аружан",
                   representatives=(parent.iin,))  # fmt: skip
    person_register.add(own)
    fake_bus.delay = 1.0
    page.goto(f"{live_server.url}/cabinet/children/")

    page.fill("input[name=iin]", own.iin)
    page.get_by_role("button", name=WORDS["kk"]["find"]).click()
    page.wait_for_load_state()
    assert page.input_value("input[name=iin]") == own.iin
    page.fill("input[name=surname]", "Омарова")
    page.fill("input[name=name]", "Аружан")
    page.fill("input[name=birth_date]", BORN.isoformat())
    page.check("input[name=sex][value=female]")
    screenshot(page, "register-by-hand-kk")
    page.locator("form.portal-form button[type=submit]").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", name="Омарова Аружан").is_visible()
    assert page.get_by_text("Жеке тұлғалар тізілімінің тексеруін күтуде").first.is_visible()
    assert Guardianship.objects.get(applicant=parent).register_check == "awaiting"
