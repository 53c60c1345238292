"""My applications: the list, an application's page, its receipt, documents, history and withdrawal.

Every page is the owner's alone: another parent gets 404 and nothing of the
other family, an anonymous visitor goes to sign-in (RULES.md section 7).
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.urls import reverse

from applications import services
from applications.choices import BenefitCategory, Channel, Status
from applications.tests.factories import PDF_BYTES, child_details, document, pdf_upload, submit
from audit.models import AuditEvent
from queues.models import QueueEntry

NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))
TODAY = NOW.date()
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]


def apply_for(parent, settlement, **kwargs):
    """An application of ``parent``'s, made through the real use case as the portal makes it."""
    kwargs.setdefault("actor", parent.user)
    return submit(
        settlement,
        applicant=services.ApplicantDetails(
            iin=parent.iin, surname=parent.surname, name=parent.name, phone=parent.phone
        ),
        **kwargs,
    )


@pytest.fixture
def application(parent, settlement_a):
    """The parent's application with a large-family certificate, in the general queue of Almaty."""
    return apply_for(
        parent,
        settlement_a,
        child=child_details(name="Әлихан"),
        documents=[document(BenefitCategory.LARGE_FAMILY, issued_on=TODAY)],
    )


@pytest.fixture
def others_application(other_parent, settlement_b):
    return apply_for(
        other_parent,
        settlement_b,
        child=child_details(surname="Беков", name="Тимур"),
        documents=[document(BenefitCategory.TEACHER, issued_on=TODAY)],
    )


def url(name, application, *args):
    return reverse(f"applications:{name}", args=[application.number, *args])


def sign_in_url():
    return resolve_url("accounts:sign_in")


# --- my applications ------------------------------------------------------------------


@pytest.mark.usefixtures("english_pages")
def test_my_applications_shows_each_with_status_position_and_explanation(application, parent_client):
    response = parent_client.get(reverse("applications:cabinet"))

    assert response.status_code == 200
    assert f'Application <span class="number">{application.display_number}</span>' in response.text
    assert "In queue" in response.text
    assert "Position 1 of 1 in this queue." in response.text
    assert "Your application is general" in response.text
    assert url("detail", application) in response.text
    assert "The service is free." in response.text
    assert "no-store" in response["Cache-Control"]


@pytest.mark.usefixtures("english_pages")
def test_my_applications_shows_only_the_parents_own(application, others_application, parent_client):
    response = parent_client.get(reverse("applications:cabinet"))

    assert others_application.display_number not in response.text
    assert "Тимур" not in response.text


@pytest.mark.usefixtures("english_pages")
def test_my_applications_reads_a_bounded_number_of_queries(
    parent, settlement_a, superuser, django_assert_max_num_queries, parent_client
):
    for name in ("Әлихан", "Мирас", "Айсұлу"):
        apply_for(parent, settlement_a, child=child_details(name=name))
    withdrawn = apply_for(parent, settlement_a, child=child_details(name="Ерасыл"))
    services.withdraw_application(application=withdrawn, actor=superuser)

    # session, user, applicant, applications, entries, then two counts per standing entry
    with django_assert_max_num_queries(5 + 2 * 3):
        response = parent_client.get(reverse("applications:cabinet"))

    assert response.text.count("Position ") == 3


# --- an application's page --------------------------------------------------------------


@pytest.mark.usefixtures("english_pages")
def test_the_application_page_shows_queues_documents_and_history(application, parent_client):
    response = parent_client.get(url("detail", application))

    assert response.status_code == 200
    assert application.display_number in response.text
    assert "In queue" in response.text
    assert "Position 1 of 1 in this queue." in response.text
    assert "Child of a large family" in response.text
    assert "Awaiting verification" in response.text
    assert url("document", application, application.benefit_documents.get().pk) in response.text
    assert "Application registered" in response.text
    assert "Add a benefit document" in response.text
    assert "The service is free." in response.text
    assert "waiting for a specialist's check" in response.text


@pytest.mark.usefixtures("english_pages")
def test_a_rejected_document_shows_its_reason_and_the_history_names_no_staff(
    application, specialist_a, parent_client
):
    certificate = application.benefit_documents.get()
    services.reject_benefit(document=certificate, actor=specialist_a, reason="The certificate is unreadable.")

    response = parent_client.get(url("detail", application))

    assert "Rejected" in response.text
    assert "waiting for a specialist's check" not in response.text
    assert "The certificate is unreadable." in response.text
    assert "Benefit rejected" in response.text
    assert "Education department specialist" in response.text
    assert specialist_a.username not in response.text


def test_the_history_is_oldest_first_with_readable_labels(parent, application, specialist_a, english):
    from applications.selectors import application_history

    services.reject_benefit(
        document=application.benefit_documents.get(), actor=specialist_a, reason="Unreadable."
    )

    history = application_history(application)

    assert [str(item.label) for item in history] == ["Application registered", "Benefit rejected"]
    assert history[1].role == "Education department specialist"
    assert history[1].note == "Child of a large family: Unreadable."


@pytest.mark.usefixtures("english_pages")
def test_a_benefit_document_added_on_the_page(application, parent_client):
    response = parent_client.post(
        url("detail", application),
        {"category": BenefitCategory.DISABLED_PARENT, "issued_on": TODAY.isoformat(), "file": pdf_upload()},
        follow=True,
    )

    assert "The document is attached." in response.text
    assert application.benefit_documents.filter(category=BenefitCategory.DISABLED_PARENT).exists()
    assert "Benefit document added" in response.text


@pytest.mark.usefixtures("english_pages")
def test_an_executable_renamed_pdf_is_refused_on_the_application_page(application, parent_client):
    response = parent_client.post(
        url("detail", application),
        {
            "category": BenefitCategory.DISABLED_PARENT,
            "issued_on": TODAY.isoformat(),
            "file": SimpleUploadedFile("scan.pdf", EXECUTABLE, content_type="application/pdf"),
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["Only PDF, JPEG and PNG files are accepted."]
    assert application.benefit_documents.count() == 1


@pytest.mark.usefixtures("english_pages")
def test_a_document_over_the_size_limit_is_refused_on_the_application_page(
    application, settings, parent_client
):
    settings.BENEFIT_DOCUMENT_MAX_BYTES = 1024 * 1024

    response = parent_client.post(
        url("detail", application),
        {
            "category": BenefitCategory.DISABLED_PARENT,
            "issued_on": TODAY.isoformat(),
            "file": SimpleUploadedFile("scan.pdf", PDF_BYTES + b"0" * 1024 * 1024),
        },
    )

    assert response.context["form"].errors["file"] == ["The file is larger than 1 MB."]
    assert application.benefit_documents.count() == 1


def test_the_parent_downloads_their_document_and_the_opening_is_recorded(parent, application, parent_client):
    certificate = application.benefit_documents.get()

    response = parent_client.get(url("document", application, certificate.pk))

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"{application.display_number}.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"]
    opened = AuditEvent.objects.get(action="document.opened")
    assert opened.actor == parent.user
    assert opened.target_id == str(application.pk)


def test_a_document_of_another_application_is_not_found_under_ones_own(
    application, others_application, parent_client
):
    theirs = others_application.benefit_documents.get()

    response = parent_client.get(url("document", application, theirs.pk))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="document.opened").exists()


# --- the receipt ------------------------------------------------------------------------


@pytest.mark.usefixtures("english_pages")
def test_the_receipt_shows_what_was_registered_and_when_in_almaty_time(application, parent_client):
    response = parent_client.get(url("receipt", application))

    assert response.status_code == 200
    assert application.display_number in response.text
    assert "Ахметов Әлихан" in response.text
    assert str(application.settlement) in response.text
    assert "General (2022)" in response.text
    assert "12.03.2026 12:00:00 (Almaty time)" in response.text
    assert "Portal" in response.text


# --- withdrawal -------------------------------------------------------------------------


@pytest.mark.usefixtures("english_pages")
def test_withdrawal_asks_first(application, parent_client):
    response = parent_client.get(url("withdraw", application))

    assert response.status_code == 200
    assert "will leave every queue" in response.text
    assert Status(application.status) == Status.IN_QUEUE


@pytest.mark.usefixtures("english_pages")
def test_withdrawing_leaves_every_queue_and_keeps_the_application(parent, settlement_a, parent_client):
    special = apply_for(
        parent,
        settlement_a,
        wants_special=True,
        documents=[document(BenefitCategory.SPECIAL_NEEDS, issued_on=TODAY)],
    )
    assert QueueEntry.objects.filter(application=special, left_at__isnull=True).count() == 2

    response = parent_client.post(url("withdraw", special), follow=True)

    special.refresh_from_db()
    assert special.status == Status.WITHDRAWN
    assert not QueueEntry.objects.filter(application=special, left_at__isnull=True).exists()
    assert QueueEntry.objects.filter(application=special).count() == 2
    assert "is withdrawn and has left every queue" in response.text
    assert "Application withdrawn" in response.text
    assert "This application stands in no queue." in response.text
    assert AuditEvent.objects.get(action="application.withdrawn").actor == parent.user


def test_a_withdrawn_application_cannot_be_withdrawn_again(application, parent_client):
    parent_client.post(url("withdraw", application))

    response = parent_client.post(url("withdraw", application))

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="application.withdrawn").count() == 1


# --- who may see what -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["detail", "receipt", "withdraw"])
def test_another_parents_application_is_not_found(others_application, name, parent_client):
    response = parent_client.get(url(name, others_application))

    assert response.status_code == 404
    assert "Тимур" not in response.text
    assert "Бекова" not in response.text


def test_another_parent_cannot_withdraw_by_posting(others_application, parent_client):
    response = parent_client.post(url("withdraw", others_application))

    assert response.status_code == 404
    others_application.refresh_from_db()
    assert others_application.status == Status.IN_QUEUE


def test_another_parents_document_is_not_found(others_application, parent_client):
    theirs = others_application.benefit_documents.get()

    response = parent_client.get(url("document", others_application, theirs.pk))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="document.opened").exists()


@pytest.mark.parametrize("number", ["12345", "not-a-number", "1234567890"])
def test_a_malformed_number_is_not_found(application, number, parent_client):
    response = parent_client.get(reverse("applications:detail", args=[number]))

    assert response.status_code == 404


def test_the_number_may_carry_dashes(application, parent_client):
    response = parent_client.get(reverse("applications:detail", args=[application.display_number]))

    assert response.status_code == 200


@pytest.mark.parametrize("name", ["cabinet", "children", "apply"])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, name):
    response = client.get(reverse(f"applications:{name}"))

    assert response.status_code == 302
    assert response.url.startswith(sign_in_url())
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["detail", "receipt", "withdraw"])
def test_anonymous_visitors_are_sent_to_sign_in_from_an_application(client, application, name):
    response = client.get(url(name, application))

    assert response.status_code == 302
    assert response.url.startswith(sign_in_url())


def test_staff_get_no_cabinet(client, specialist_a, application):
    client.force_login(specialist_a)

    assert client.get(reverse("applications:cabinet")).status_code == 403
    assert client.get(url("detail", application)).status_code == 403


def test_a_paper_application_shows_in_the_cabinet_of_its_applicant(
    parent, settlement_a, specialist_a, parent_client
):
    paper = apply_for(
        parent,
        settlement_a,
        actor=specialist_a,
        channel=Channel.EDUCATION_DEPARTMENT,
        received_at=NOW - datetime.timedelta(hours=2),
    )

    response = parent_client.get(url("detail", paper))

    assert response.status_code == 200
    assert specialist_a.username not in response.text


# --- the layout ---------------------------------------------------------------------------


@pytest.mark.usefixtures("english_pages")
def test_a_signed_in_parent_sees_the_cabinet_menu(parent_client):
    response = parent_client.get(reverse("applications:cabinet"))

    assert 'aria-current="page">My applications</a>' in response.text
    assert f'href="{reverse("applications:children")}"' in response.text
    assert f'href="{reverse("applications:apply")}"' in response.text
    assert f'action="{reverse("accounts:sign_out")}" method="post"' in response.text


def test_a_page_requested_in_russian_is_rendered_in_russian(application, parent_client):
    parent_client.cookies["django_language"] = "ru"

    response = parent_client.get(url("detail", application))

    assert '<html lang="ru">' in response.text


def test_a_page_requested_in_kazakh_is_rendered_in_kazakh(parent_client):
    parent_client.cookies["django_language"] = "kk"

    response = parent_client.get(reverse("applications:cabinet"))

    assert '<html lang="kk">' in response.text
