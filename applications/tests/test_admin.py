"""The specialist's desk in the admin: scope, paper applications, benefit decisions, withdrawal."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from applications.choices import BenefitCategory, Channel, Status, Verification
from applications.models import Application, BenefitDocument
from applications.tests.factories import child_iin, document, pdf_upload, submit
from audit.models import AuditEvent
from core.iin import Sex
from core.tests.admin_search import admin_search

ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ALMATY)
TODAY = NOW.date()


pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock", "english_pages")]


def change_url(application):
    return reverse("admin:applications_application_change", args=[application.pk])


def paper(settlement, actor, *, received_at, **kwargs):
    return submit(
        settlement, actor=actor, channel=Channel.EDUCATION_DEPARTMENT, received_at=received_at, **kwargs
    )


@pytest.fixture
def teacher_application(settlement_a, specialist_a):
    """A paper application with an out-of-turn certificate that specialist A entered, not yet verified."""
    return paper(
        settlement_a,
        specialist_a,
        received_at=NOW - datetime.timedelta(hours=1),
        documents=[document(BenefitCategory.TEACHER, issued_on=TODAY)],
    )


@pytest.fixture
def application_b(settlement_b):
    return submit(settlement_b, documents=[document(BenefitCategory.LARGE_FAMILY, issued_on=TODAY)])


def paper_form_data(settlement, **overrides):
    data = {
        "child_iin": child_iin(datetime.date(2022, 4, 12), Sex.MALE),
        "child_surname": "Серікұлы",
        "child_name": "Ерлан",
        "child_patronymic": "",
        "child_birth_date": "2022-04-12",
        "child_sex": Sex.MALE,
        "applicant_iin": child_iin(datetime.date(1993, 6, 1), Sex.FEMALE),
        "applicant_surname": "Серікова",
        "applicant_name": "Әсел",
        "applicant_patronymic": "",
        "applicant_phone": "+77015550101",
        "applicant_phone2": "",
        "applicant_email": "",
        "relation": "mother",
        "settlement": settlement.pk,
        "preferred_language": "kk",
        "received_at_0": "2026-03-10",
        "received_at_1": "10:30:00",
        "document_category": "",
        "document_issued_on": "",
        "consent": "on",
    }
    data.update(overrides)
    return data


def field_errors(response, name):
    return [str(error) for error in response.context["form"].errors.get(name, [])]


# --- scope ------------------------------------------------------------------------


def test_specialist_list_shows_own_district_applications_only(
    client, specialist_a, settlement_a, settlement_b
):
    own = submit(settlement_a)
    other = submit(settlement_b)
    client.force_login(specialist_a)

    response = client.get(reverse("admin:applications_application_changelist"))

    assert response.status_code == 200
    assert own.display_number in response.text
    assert other.display_number not in response.text


def test_specialist_opening_another_districts_application_gets_404(client, specialist_a, application_b):
    client.force_login(specialist_a)

    assert client.get(change_url(application_b)).status_code == 404


def test_specialist_downloading_another_districts_document_gets_404(client, specialist_a, application_b):
    client.force_login(specialist_a)
    other_document = application_b.benefit_documents.get()

    response = client.get(reverse("admin:applications_benefitdocument_download", args=[other_document.pk]))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="document.opened").exists()


def test_call_centre_operator_gets_no_admin_pages(client, call_centre_operator, settlement_a):
    application = submit(settlement_a)
    client.force_login(call_centre_operator)

    assert client.get(reverse("admin:applications_application_changelist")).status_code == 403
    assert client.get(change_url(application)).status_code == 403
    assert client.get(reverse("admin:applications_application_add")).status_code == 403
    index = client.get(reverse("admin:index"))
    assert reverse("admin:applications_application_changelist") not in index.text


def test_a_signed_in_parent_is_refused_the_admin(client, settlement_a):
    application = submit(settlement_a)
    parent = application.applicant
    user = UserFactory(username="parent")
    parent.user = user
    parent.save()
    client.force_login(user)

    assert client.get(reverse("admin:applications_application_changelist")).status_code == 403
    assert client.get(reverse("admin:index")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get(reverse("admin:applications_application_changelist"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_search_finds_number_with_dashes_and_child_iin(client, specialist_a, settlement_a):
    wanted = submit(settlement_a)
    unwanted = submit(settlement_a)
    client.force_login(specialist_a)
    changelist = reverse("admin:applications_application_changelist")

    by_number = admin_search(client, changelist, wanted.display_number)
    by_iin = admin_search(client, changelist, wanted.child.iin)

    for response in (by_number, by_iin):
        assert wanted.display_number in response.text
        assert unwanted.display_number not in response.text


def test_list_page_queries_do_not_grow_with_applications(
    client, specialist_a, settlement_a, django_assert_max_num_queries
):
    for _ in range(12):
        submit(settlement_a)
    client.force_login(specialist_a)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:applications_application_changelist"))

    assert response.status_code == 200


# --- the change page --------------------------------------------------------------


def test_change_page_is_read_only_and_nothing_can_be_deleted(client, superuser, settlement_a):
    application = submit(settlement_a)
    client.force_login(superuser)

    page = client.get(change_url(application))
    post = client.post(change_url(application), {"status": Status.ENROLLED})
    delete = client.post(
        reverse("admin:applications_application_delete", args=[application.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert post.status_code == 403
    assert delete.status_code == 403
    application.refresh_from_db()
    assert application.status == Status.IN_QUEUE


def test_change_page_shows_positions_documents_and_history(client, specialist_a, teacher_application):
    client.force_login(specialist_a)

    response = client.get(change_url(teacher_application))

    assert "Position 1 of 1 in this queue." in response.text
    assert "Child of a teacher" in response.text
    assert "Awaiting verification" in response.text
    assert "Application registered" in response.text


# --- paper applications -----------------------------------------------------------


def test_paper_application_is_registered_with_the_time_the_department_received_it(
    client, specialist_a, settlement_a
):
    client.force_login(specialist_a)

    response = client.post(
        reverse("admin:applications_application_add"), paper_form_data(settlement_a), follow=True
    )

    application = Application.objects.get()
    assert application.channel == Channel.EDUCATION_DEPARTMENT
    assert application.submitted_at == datetime.datetime(2026, 3, 10, 10, 30, tzinfo=ALMATY)
    assert application.registered_by == specialist_a
    assert response.redirect_chain[-1][0] == change_url(application)
    assert f"Application {application.display_number} is registered" in response.text


def test_paper_application_with_a_benefit_document(client, specialist_a, settlement_a):
    client.force_login(specialist_a)
    data = paper_form_data(
        settlement_a,
        document_category=BenefitCategory.LARGE_FAMILY,
        document_issued_on="2026-01-20",
        document_file=pdf_upload(),
    )

    client.post(reverse("admin:applications_application_add"), data)

    saved = BenefitDocument.objects.get()
    assert saved.category == BenefitCategory.LARGE_FAMILY
    assert saved.uploaded_by == specialist_a
    assert saved.verification == Verification.PENDING


@pytest.mark.parametrize(
    ("day", "time", "message"),
    [
        ("2026-03-12", "12:30:00", "cannot be in the future"),
        ("2026-02-10", "10:00:00", "cannot be more than 7 days ago"),
    ],
)
def test_paper_application_refuses_a_receipt_time_outside_the_allowed_window(
    client, specialist_a, settlement_a, day, time, message
):
    client.force_login(specialist_a)
    data = paper_form_data(settlement_a, received_at_0=day, received_at_1=time)

    response = client.post(reverse("admin:applications_application_add"), data)

    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, "received_at"))
    assert not Application.objects.exists()


def test_paper_application_needs_the_receipt_time(client, specialist_a, settlement_a):
    client.force_login(specialist_a)
    data = paper_form_data(settlement_a, received_at_0="", received_at_1="")

    response = client.post(reverse("admin:applications_application_add"), data)

    assert field_errors(response, "received_at")
    assert not Application.objects.exists()


def test_paper_application_with_an_iin_that_disagrees_with_the_birth_date_is_refused(
    client, specialist_a, settlement_a
):
    client.force_login(specialist_a)
    data = paper_form_data(settlement_a, child_birth_date="2022-04-13")

    response = client.post(reverse("admin:applications_application_add"), data)

    assert response.status_code == 200
    assert any("does not match the IIN" in error for error in field_errors(response, "child_birth_date"))
    assert not Application.objects.exists()


def test_paper_application_for_a_child_already_in_a_queue_shows_the_error_on_the_iin(
    client, specialist_a, settlement_a, settlement_b
):
    existing = submit(settlement_b)
    client.force_login(specialist_a)
    data = paper_form_data(
        settlement_a,
        child_iin=existing.child.iin,
        child_birth_date=existing.child.birth_date.isoformat(),
        child_sex=existing.child.sex,
    )

    response = client.post(reverse("admin:applications_application_add"), data)

    assert any("already has an active application" in error for error in field_errors(response, "child_iin"))
    assert Application.objects.count() == 1


def test_paper_application_offers_only_the_specialists_settlements(
    client, specialist_a, settlement_a, settlement_b
):
    client.force_login(specialist_a)

    page = client.get(reverse("admin:applications_application_add"))
    response = client.post(reverse("admin:applications_application_add"), paper_form_data(settlement_b))

    assert str(settlement_a) in page.text
    assert str(settlement_b) not in page.text
    assert field_errors(response, "settlement")
    assert not Application.objects.exists()


# --- benefit documents ------------------------------------------------------------


def confirm_url(benefit_document):
    return reverse("admin:applications_benefitdocument_confirm", args=[benefit_document.pk])


def reject_url(benefit_document):
    return reverse("admin:applications_benefitdocument_reject", args=[benefit_document.pk])


def test_confirm_by_the_second_specialist_raises_the_applications_class(
    client, second_specialist_a, settlement_a, teacher_application
):
    ahead = paper(settlement_a, second_specialist_a, received_at=NOW - datetime.timedelta(days=2))
    certificate = teacher_application.benefit_documents.get()
    client.force_login(second_specialist_a)
    before = client.get(change_url(teacher_application))

    response = client.post(confirm_url(certificate), {"valid_until": "2026-04-12"}, follow=True)

    assert "Position 2 of 2 in this queue." in before.text
    assert response.redirect_chain[-1][0] == change_url(teacher_application)
    assert "Position 1 of 2 in this queue." in response.text
    assert "Out-of-turn" in response.text
    certificate.refresh_from_db()
    assert certificate.verification == Verification.CONFIRMED
    assert certificate.verified_by == second_specialist_a
    assert ahead.queue_entries.get().benefit_class == 3


def test_the_uploader_cannot_confirm_their_own_upload(client, specialist_a, teacher_application):
    certificate = teacher_application.benefit_documents.get()
    client.force_login(specialist_a)

    response = client.post(confirm_url(certificate), {"valid_until": ""})

    assert response.status_code == 200
    assert "someone other than the person who uploaded it" in response.text
    certificate.refresh_from_db()
    assert certificate.verification == Verification.PENDING


def test_confirm_refuses_an_expiry_date_in_the_past(client, second_specialist_a, teacher_application):
    certificate = teacher_application.benefit_documents.get()
    client.force_login(second_specialist_a)

    response = client.post(confirm_url(certificate), {"valid_until": "2026-03-01"})

    assert any("already expired" in error for error in field_errors(response, "valid_until"))
    certificate.refresh_from_db()
    assert certificate.verification == Verification.PENDING


def test_reject_needs_a_reason(client, second_specialist_a, teacher_application):
    certificate = teacher_application.benefit_documents.get()
    client.force_login(second_specialist_a)

    without_reason = client.post(reject_url(certificate), {"reason": "   "})
    certificate.refresh_from_db()
    assert field_errors(without_reason, "reason")
    assert certificate.verification == Verification.PENDING

    client.post(reject_url(certificate), {"reason": "The certificate is not signed."})
    certificate.refresh_from_db()
    assert certificate.verification == Verification.REJECTED
    assert certificate.rejection_reason == "The certificate is not signed."


def test_specialist_of_another_district_cannot_decide_a_document(client, specialist_b, teacher_application):
    certificate = teacher_application.benefit_documents.get()
    client.force_login(specialist_b)

    assert client.post(confirm_url(certificate), {}).status_code == 404
    assert client.post(reject_url(certificate), {"reason": "No."}).status_code == 404
    certificate.refresh_from_db()
    assert certificate.verification == Verification.PENDING


def test_download_serves_the_file_as_an_attachment_and_records_who_opened_it(
    client, second_specialist_a, teacher_application
):
    certificate = teacher_application.benefit_documents.get()
    client.force_login(second_specialist_a)

    response = client.get(reverse("admin:applications_benefitdocument_download", args=[certificate.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"{teacher_application.display_number}.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"]
    opened = AuditEvent.objects.get(action="document.opened")
    assert opened.actor == second_specialist_a
    assert opened.target_id == str(teacher_application.pk)


def test_document_list_is_scoped(client, specialist_b, teacher_application, application_b):
    client.force_login(specialist_b)

    response = client.get(reverse("admin:applications_benefitdocument_changelist"))

    assert application_b.display_number in response.text
    assert teacher_application.display_number not in response.text


# --- withdrawal -------------------------------------------------------------------


def withdraw_url(application):
    return reverse("admin:applications_application_withdraw", args=[application.pk])


def test_withdraw_leaves_the_application_withdrawn_and_out_of_its_queues(client, specialist_a, settlement_a):
    application = submit(
        settlement_a, wants_special=True, documents=[document(BenefitCategory.SPECIAL_NEEDS, TODAY)]
    )
    client.force_login(specialist_a)

    confirmation = client.get(withdraw_url(application))
    response = client.post(
        withdraw_url(application), {"reason": "Written request of the mother."}, follow=True
    )

    assert confirmation.status_code == 200
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert application.status_reason == "Written request of the mother."
    assert application.queue_entries.count() == 2
    assert not application.queue_entries.filter(left_at__isnull=True).exists()
    assert "withdrawn and has left every queue" in response.text
    assert "This application stands in no queue." in response.text


def test_withdraw_needs_a_reason(client, specialist_a, settlement_a):
    application = submit(settlement_a)
    client.force_login(specialist_a)

    response = client.post(withdraw_url(application), {"reason": ""})

    assert field_errors(response, "reason")
    application.refresh_from_db()
    assert application.status == Status.IN_QUEUE


def test_withdrawing_twice_shows_the_refusal(client, specialist_a, settlement_a):
    application = submit(settlement_a)
    client.force_login(specialist_a)
    client.post(withdraw_url(application), {"reason": "Asked by phone and in writing."})

    response = client.post(withdraw_url(application), {"reason": "Again."})

    assert response.status_code == 200
    assert "cannot become" in response.text


def test_specialist_of_another_district_cannot_withdraw(client, specialist_b, settlement_a):
    application = submit(settlement_a)
    client.force_login(specialist_b)

    assert client.post(withdraw_url(application), {"reason": "Mistake."}).status_code == 404
    application.refresh_from_db()
    assert application.status == Status.IN_QUEUE


# --- queues -----------------------------------------------------------------------


def test_queue_page_shows_the_queue_in_order_fifty_at_a_time(client, specialist_a, settlement_a):
    applications = [
        paper(settlement_a, specialist_a, received_at=NOW - datetime.timedelta(minutes=60 - minute))
        for minute in range(51)
    ]
    queue = applications[0].queue_entries.get().queue
    client.force_login(specialist_a)
    url = reverse("admin:queues_queue_change", args=[queue.pk])

    first = client.get(url)
    second = client.get(url, {"page": 2})

    assert "51 children wait in this queue." in first.text
    assert applications[0].display_number in first.text
    assert applications[49].display_number in first.text
    assert applications[50].display_number not in first.text
    assert "Page 2 of 2" in second.text
    assert applications[50].display_number in second.text
    assert applications[0].display_number not in second.text


def test_queue_of_another_district_is_not_found(client, specialist_b, settlement_a):
    queue = submit(settlement_a).queue_entries.get().queue
    client.force_login(specialist_b)

    assert client.get(reverse("admin:queues_queue_change", args=[queue.pk])).status_code == 404


# --- children -----------------------------------------------------------------------


def test_child_pages_are_scoped_and_read_only(client, specialist_a, settlement_a, application_b):
    own = submit(settlement_a)
    client.force_login(specialist_a)

    listing = client.get(reverse("admin:applications_child_changelist"))
    own_page = client.get(reverse("admin:applications_child_change", args=[own.child_id]))
    other_page = client.get(reverse("admin:applications_child_change", args=[application_b.child_id]))
    delete = client.post(reverse("admin:applications_child_delete", args=[own.child_id]), {"post": "yes"})

    assert own.child.iin in listing.text
    assert application_b.child.iin not in listing.text
    assert own.display_number in own_page.text
    assert 'name="_save"' not in own_page.text
    assert other_page.status_code == 404
    assert delete.status_code == 403
