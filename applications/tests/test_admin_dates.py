"""In the Kazakh and Russian admin a date is typed as everywhere else: 07.12.2026 (issue 14, item 3).

Django ships no Kazakh format module, so the Kazakh admin took only
2026-12-07; the project's format modules (``kindergarten_queue/formats``)
now read dd.mm.yyyy in both languages, and the calendar's "Today" writes it so.
"""

import datetime
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from applications.choices import BenefitCategory, Channel, Verification
from applications.models import Application, BenefitDocument
from applications.tests.factories import document, pdf_upload, submit
from applications.tests.test_admin import paper_form_data

ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ALMATY)

pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]
LANGUAGES = pytest.mark.parametrize("language", ["kk", "ru"])


def signed_in(client: Client, user, language: str) -> Client:
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@LANGUAGES
def test_a_paper_application_takes_dates_typed_as_dd_mm_yyyy(client, specialist_a, settlement_a, language):
    signed_in(client, specialist_a, language)
    data = paper_form_data(
        settlement_a,
        child_birth_date="12.04.2022",
        received_at_0="10.03.2026",
        received_at_1="10:30",
        document_category=BenefitCategory.LARGE_FAMILY,
        document_issued_on="20.01.2026",
        document_file=pdf_upload(),
    )

    response = client.post(reverse("admin:applications_application_add"), data)

    assert response.status_code == 302, response.context["form"].errors
    application = Application.objects.get()
    assert application.channel == Channel.EDUCATION_DEPARTMENT
    assert application.child.birth_date == datetime.date(2022, 4, 12)
    assert application.submitted_at == datetime.datetime(2026, 3, 10, 10, 30, tzinfo=ALMATY)
    assert BenefitDocument.objects.get().issued_on == datetime.date(2026, 1, 20)


@LANGUAGES
def test_a_benefit_is_confirmed_until_a_date_typed_as_07_12_2026(
    client, specialist_a, second_specialist_a, settlement_a, language
):
    application = submit(
        settlement_a,
        actor=specialist_a,
        channel=Channel.EDUCATION_DEPARTMENT,
        received_at=NOW - datetime.timedelta(hours=1),
        documents=[document(BenefitCategory.TEACHER, issued_on=NOW.date())],
    )
    certificate = application.benefit_documents.get()
    signed_in(client, second_specialist_a, language)
    confirm = reverse("admin:applications_benefitdocument_confirm", args=[certificate.pk])

    response = client.post(confirm, {"valid_until": "07.12.2026"})

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.verification == Verification.CONFIRMED
    assert certificate.valid_until == datetime.date(2026, 12, 7)
    page = client.get(reverse("admin:applications_benefitdocument_change", args=[certificate.pk])).text
    assert "07.12.2026" in page


@LANGUAGES
def test_the_calendar_writes_the_date_as_it_is_typed(client, specialist_a, language):
    signed_in(client, specialist_a, language)

    script = client.get(reverse("admin:jsi18n")).text

    formats = json.loads(re.search(r"django.formats = (\{.*?\});\n", script, re.S).group(1))
    assert formats["DATE_INPUT_FORMATS"][0] == "%d.%m.%Y"
    assert formats["FIRST_DAY_OF_WEEK"] == 1


@pytest.mark.parametrize(
    ("language", "words"),
    [("kk", "Дұрыс күнді енгізіңіз"), ("ru", "Введите правильную дату")],
)
def test_a_date_that_does_not_exist_is_refused_in_words_not_a_crash(
    client, specialist_a, settlement_a, language, words
):
    signed_in(client, specialist_a, language)
    data = paper_form_data(settlement_a, child_birth_date="31.02.2026", received_at_0="31.02.2026")

    response = client.post(reverse("admin:applications_application_add"), data)

    assert response.status_code == 200
    assert not Application.objects.exists()
    errors = response.context["form"].errors
    assert words in " ".join(str(error) for error in errors["child_birth_date"])
    assert "received_at" in errors
