"""Each staff role lands on its own desk; a refused page is a page in the person's language (issue 14)."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import code_of, totp_device
from bulletins.tests.factories import kindergarten_staff

KINDERGARTEN_DESK = "/kindergarten/"
CALL_CENTRE_DESK = "/desk/"
PASSWORD = "a-long-test-password"


def sign_in_at_the_admin(client, user):
    """The admin's sign-in page as a browser sends it (its form's ``next`` is the admin), then the code."""
    form = {"username": user.username, "password": PASSWORD, "next": reverse("admin:index")}
    password_step = client.post(reverse("admin:login"), form)
    return client.post(password_step.url, {"code": code_of(totp_device(user))}, follow=True)


def speaking(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def kindergarten_user(kindergarten_a):
    return kindergarten_staff(kindergarten_a, username="head_of_a", is_staff=True)


def test_kindergarten_staff_signing_in_at_the_admin_land_on_their_desk(client, kindergarten_user):
    response = sign_in_at_the_admin(client, kindergarten_user)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == KINDERGARTEN_DESK


def test_an_operator_signing_in_at_the_admin_lands_on_the_desk(client, call_centre_operator):
    response = sign_in_at_the_admin(client, call_centre_operator)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == CALL_CENTRE_DESK


def test_a_specialist_signing_in_lands_in_the_admin(client, specialist_a):
    response = sign_in_at_the_admin(client, specialist_a)

    assert response.redirect_chain[-1][0] == reverse("admin:index")


@pytest.mark.parametrize("page", ["admin:index", "admin:login"])
def test_signed_in_desk_staff_opening_the_admin_are_sent_to_their_desk(
    client, kindergarten_user, call_centre_operator, page
):
    for user, desk in ((kindergarten_user, KINDERGARTEN_DESK), (call_centre_operator, CALL_CENTRE_DESK)):
        client.force_login(user)
        response = client.get(reverse(page))
        assert (response.status_code, response.url) == (302, desk)


@pytest.mark.parametrize(
    ("language", "heading", "link"),
    [
        ("kk", "Бұл бет сізге ашық емес", "Өз бетіңізге өту"),
        ("ru", "Эта страница вам недоступна", "Перейти на свою страницу"),
    ],
)
def test_a_refused_admin_page_speaks_the_staff_language_and_leads_to_the_desk(
    client, kindergarten_user, language, heading, link
):
    client.force_login(kindergarten_user)

    response = speaking(client, language).get(reverse("admin:applications_application_changelist"))

    page = response.content.decode()
    assert response.status_code == 403
    assert heading in page
    assert link in page
    assert f'href="{KINDERGARTEN_DESK}"' in page
    assert "Forbidden" not in page


def test_a_parent_refused_a_staff_desk_is_shown_the_way_to_the_cabinet(parent_client):
    response = speaking(parent_client, "ru").get(KINDERGARTEN_DESK)

    page = response.content.decode()
    assert response.status_code == 403
    assert "Эта страница вам недоступна" in page
    assert f'href="{reverse("applications:cabinet")}"' in page


def test_a_specialist_refused_a_national_page_is_sent_back_to_the_admin(client, specialist_a):
    client.force_login(specialist_a)

    response = speaking(client, "kk").get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 403
    assert f'href="{reverse("admin:index")}"' in response.content.decode()


@pytest.mark.parametrize("role_user", ["kindergarten", "operator"])
def test_desk_staff_without_the_admin_flag_sign_in_at_the_staff_page_and_land_on_their_desk(
    client, kindergarten_a, role_user
):
    """The sign-in page is the staff's, not only the admin's: a desk role needs no ``is_staff`` flag."""
    if role_user == "kindergarten":
        user, desk = (
            kindergarten_staff(kindergarten_a, username="teacher_of_a", is_staff=False),
            KINDERGARTEN_DESK,
        )
    else:
        user, desk = (
            UserFactory(username="operator_2", role=Role.CALL_CENTRE, is_staff=False),
            CALL_CENTRE_DESK,
        )

    response = sign_in_at_the_admin(client, user)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == desk


def test_a_parent_account_cannot_sign_in_at_the_staff_page(client, db):
    parent = UserFactory(username="a_parent", role=Role.PARENT, is_staff=False)

    response = client.post(
        reverse("admin:login"), {"username": parent.username, "password": PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("language", "title", "intro"),
    [
        ("kk", "Қызметкерлердің кіруі", "балабақша қызметкерлеріне"),
        ("ru", "Вход для сотрудников", "сотрудников детских садов"),
    ],
)
def test_the_staff_sign_in_page_is_headed_as_the_site_is_not_as_the_admin(
    client, kindergarten_user, language, title, intro
):
    page = speaking(client, language).get(reverse("admin:login")).content.decode()
    form = {"username": kindergarten_user.username, "password": PASSWORD, "next": reverse("admin:index")}
    code_step = client.get(client.post(reverse("admin:login"), form).url).content.decode()

    assert f"<h1>{title}</h1>" in page
    assert intro in page
    for step in (page, code_step):  # the password, then the authenticator's code
        assert f"<title>{title} — " in step
        assert "басқару панелі" not in step
        assert "Администрирование" not in step
        assert "administration" not in step.lower()
