"""Applying in the cabinet: find the settlement, fill in the application, see it stand in its queues."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.urls import reverse

from accounts.choices import Role
from accounts.tests.factories import ApplicantFactory, UserFactory
from applications import services
from applications.choices import BenefitCategory, Channel
from applications.models import Application, Guardianship
from applications.tests.factories import PDF_BYTES, child_details, pdf_upload
from directory.choices import KindergartenKind
from directory.tests.factories import KindergartenFactory
from queues.models import QueueEntry

NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))
TODAY = NOW.date()
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock", "english_pages")]


def apply_url(settlement, **params):
    query = "&".join(f"{key}={value}" for key, value in {"settlement": settlement.pk, **params}.items())
    return f"{reverse('applications:apply')}?{query}"


def application_data(child, **overrides):
    data = {"child": child.pk, "relation": "mother", "preferred_language": "kk"}
    data.update(overrides)
    return data


def field_errors(response, name):
    return [str(error) for error in response.context["form"].errors.get(name, [])]


# --- step 1: the settlement ---------------------------------------------------------


def test_the_search_narrows_the_settlements_server_side(parent_client, child, settlement_a, settlement_b):
    response = parent_client.get(reverse("applications:apply"), {"q": "түрг"})

    assert response.status_code == 200
    assert "Step 1 of 2" in response.text
    assert [item["settlement"] for item in response.context["settlements"]] == [settlement_b]
    assert f"settlement={settlement_b.pk}" in response.text


def test_the_search_keeps_the_chosen_child(parent_client, child, settlement_a):
    response = parent_client.get(reverse("applications:apply"), {"child": child.pk})

    assert f"settlement={settlement_a.pk}&amp;child={child.pk}" in response.text


def test_without_a_child_the_page_sends_the_parent_to_add_one(parent_client, settlement_a):
    response = parent_client.get(reverse("applications:apply"))

    assert "First add your child" in response.text
    assert reverse("applications:children") in response.text


# --- step 2: the application ---------------------------------------------------------


def test_the_form_offers_the_parents_children_and_the_settlements_kindergartens(
    parent_client, child, settlement_a, settlement_b, kindergarten_a
):
    elsewhere = KindergartenFactory(settlement=settlement_b)

    response = parent_client.get(apply_url(settlement_a))

    assert response.status_code == 200
    assert "Step 2 of 2" in response.text
    assert child.full_name in response.text
    assert kindergarten_a.name in response.text
    assert elsewhere.name not in response.text
    assert "The service is free." in response.text
    assert "no-store" in response["Cache-Control"]


def test_applying_registers_the_application_and_shows_its_position_and_explanation(
    parent_client, parent, child, settlement_a, kindergarten_a
):
    response = parent_client.post(
        apply_url(settlement_a),
        application_data(child, preferred_kindergartens=[kindergarten_a.pk]),
        follow=True,
    )

    application = Application.objects.get()
    assert response.redirect_chain[-1][0] == reverse("applications:detail", args=[application.number])
    assert application.applicant == parent
    assert application.channel == Channel.PORTAL
    assert list(application.preferred_kindergartens.all()) == [kindergarten_a]
    assert f"Application {application.display_number} is registered" in response.text
    assert "Submitted on 12.03.2026 12:00:00 (Almaty time)" in response.text
    assert "Position 1 of 1 in this queue." in response.text
    assert "Your application is general" in response.text


def test_a_child_with_an_application_is_not_offered_again(parent_client, child, settlement_a):
    parent_client.post(apply_url(settlement_a), application_data(child))

    response = parent_client.get(apply_url(settlement_a))

    assert list(response.context["form"].fields["child"].queryset) == []
    assert "There is no child on your list to apply for" in response.text


def test_applying_with_a_benefit_document(parent_client, child, settlement_a):
    parent_client.post(
        apply_url(settlement_a),
        application_data(
            child,
            benefit_category=BenefitCategory.LARGE_FAMILY,
            benefit_issued_on=TODAY.isoformat(),
            benefit_file=pdf_upload(),
        ),
    )

    document = Application.objects.get().benefit_documents.get()
    assert document.category == BenefitCategory.LARGE_FAMILY
    assert document.content_type == "application/pdf"


def test_a_benefit_without_its_document_is_refused(parent_client, child, settlement_a):
    response = parent_client.post(
        apply_url(settlement_a), application_data(child, benefit_category=BenefitCategory.LARGE_FAMILY)
    )

    assert field_errors(response, "benefit_file")
    assert not Application.objects.exists()


def test_the_special_queue_without_a_pmpk_conclusion_shows_the_services_refusal_on_the_field(
    parent_client, child, settlement_a
):
    response = parent_client.post(apply_url(settlement_a), application_data(child, wants_special="on"))

    assert response.status_code == 200
    assert any("PMPK" in error for error in field_errors(response, "wants_special"))
    assert not Application.objects.exists()


def test_the_special_queue_with_a_pmpk_conclusion_stands_in_both_queues(parent_client, child, settlement_a):
    parent_client.post(
        apply_url(settlement_a),
        application_data(
            child, wants_special="on", pmpk_file=pdf_upload("pmpk.pdf"), pmpk_issued_on=TODAY.isoformat()
        ),
    )

    application = Application.objects.get()
    assert application.benefit_documents.get().category == BenefitCategory.SPECIAL_NEEDS
    kinds = set(QueueEntry.objects.filter(application=application).values_list("queue__kind", flat=True))
    assert kinds == {KindergartenKind.GENERAL, KindergartenKind.SPECIAL}


def test_an_executable_renamed_pdf_is_refused_on_its_field(parent_client, child, settlement_a):
    response = parent_client.post(
        apply_url(settlement_a),
        application_data(
            child,
            benefit_category=BenefitCategory.LARGE_FAMILY,
            benefit_issued_on=TODAY.isoformat(),
            benefit_file=SimpleUploadedFile("certificate.pdf", EXECUTABLE, content_type="application/pdf"),
        ),
    )

    assert field_errors(response, "benefit_file") == ["Only PDF, JPEG and PNG files are accepted."]
    assert not Application.objects.exists()


def test_a_file_over_the_size_limit_is_refused(parent_client, child, settlement_a, settings):
    settings.BENEFIT_DOCUMENT_MAX_BYTES = 1024 * 1024
    too_big = PDF_BYTES + b"0" * (1024 * 1024)

    response = parent_client.post(
        apply_url(settlement_a),
        application_data(
            child,
            wants_special="on",
            pmpk_file=SimpleUploadedFile("pmpk.pdf", too_big, content_type="application/pdf"),
            pmpk_issued_on=TODAY.isoformat(),
        ),
    )

    assert field_errors(response, "pmpk_file") == ["The file is larger than 1 MB."]
    assert not Application.objects.exists()


def test_a_child_too_old_is_refused_with_the_reason(parent_client, parent, settlement_a):
    old = child_details(birth_date=datetime.date(2018, 5, 1))
    guardianship = services.add_child(
        applicant=parent, details=old, actor=parent.user, has_special_needs_conclusion=True
    )

    response = parent_client.post(apply_url(settlement_a), application_data(guardianship.child))

    assert any("7 full years old" in error for error in field_errors(response, "child"))
    assert not Application.objects.exists()


def test_more_than_four_kindergartens_are_refused(parent_client, child, settlement_a):
    kindergartens = [KindergartenFactory(settlement=settlement_a).pk for _ in range(5)]

    response = parent_client.post(
        apply_url(settlement_a), application_data(child, preferred_kindergartens=kindergartens)
    )

    assert field_errors(response, "preferred_kindergartens") == ["Choose at most 4 kindergartens."]


def test_another_parents_child_cannot_be_chosen(parent_client, settlement_a, db):
    stranger = ApplicantFactory(user=UserFactory(username="stranger", role=Role.PARENT))
    their_child = services.add_child(applicant=stranger, details=child_details(), actor=stranger.user).child

    response = parent_client.post(apply_url(settlement_a), application_data(their_child))

    assert field_errors(response, "child")
    assert not Application.objects.exists()
    assert Guardianship.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, settlement_a):
    response = client.get(apply_url(settlement_a))

    assert response.status_code == 302
    assert response.url.startswith(resolve_url("accounts:sign_in"))
