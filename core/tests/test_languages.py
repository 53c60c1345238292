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
