"""Every message exists in Kazakh and Russian, and a visitor's choice of language sticks."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

CATALOGUES = sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"))


def test_there_is_a_catalogue_for_each_language():
    assert {path.parts[-3] for path in CATALOGUES} == {code for code, _ in settings.LANGUAGES}


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parts[-3])
def test_no_message_is_untranslated_or_fuzzy(catalogue):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext's msgfmt is needed (make installs the gettext package)"
    result = subprocess.run(  # noqa: S603 (a fixed tool on a file of the project)
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(catalogue)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr


@pytest.mark.django_db
def test_the_front_page_speaks_kazakh_by_default_and_russian_once_chosen(client):
    page = client.get(reverse("home")).text
    assert '<html lang="kk">' in page
    assert "Балабақшаға кезек" in page

    response = client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("home")).text
    assert '<html lang="ru">' in page
    assert "Услуга оказывается бесплатно" in page


@pytest.mark.django_db
def test_a_language_link_remembers_the_choice_and_returns_to_the_page(client):
    response = client.get(reverse("choose_language", args=["ru"]), {"next": "/check/?number=123"})

    assert response.status_code == 302
    assert response.url == "/check/?number=123"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert '<html lang="ru">' in client.get("/check/").text


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_a_language_link_never_leads_off_the_site(client, target):
    response = client.get(reverse("choose_language", args=["kk"]), {"next": target})

    assert response.url == "/"


@pytest.mark.django_db
def test_an_unknown_language_is_not_found_and_changes_nothing(client):
    response = client.get(reverse("choose_language", args=["en"]), {"next": "/"})

    assert response.status_code == 404
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_the_language_switch_is_plain_links_so_public_pages_carry_no_token(client):
    page = client.get(reverse("applications:check")).text

    assert f'href="{reverse("choose_language", args=["ru"])}?next=/check/"' in page
    assert "csrfmiddlewaretoken" not in page
