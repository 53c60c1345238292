"""The application use cases: what they accept, what they refuse, and what they leave behind."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import translation

from accounts.models import Applicant
from applications import services
from applications.choices import BenefitCategory, Channel, Status, Verification
from applications.errors import (
    ChildAlreadyInQueue,
    InvalidDocument,
    InvalidInput,
    InvalidTransition,
    NotEligible,
    OutOfScope,
)
from applications.models import Application
from applications.tests.factories import applicant_details, child_details, document, submit
from audit.models import AuditEvent
from core.iin import Sex
from directory.tests.factories import KindergartenFactory
from queues.choices import BenefitClass, LeaveReason
from queues.models import QueueEntry

pytestmark = pytest.mark.usefixtures("english")

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
NOW = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=ALMATY)


def paper(specialist, received_at, **kwargs):
    return {
        "actor": specialist,
        "channel": Channel.EDUCATION_DEPARTMENT,
        "received_at": received_at,
        "now": NOW,
    } | kwargs


def test_an_application_stands_in_the_general_queue_of_its_settlement_and_birth_year(settlement_a):
    application = submit(settlement_a, child=child_details(birth_date=datetime.date(2023, 6, 1)), now=NOW)
    (entry,) = QueueEntry.objects.filter(application=application)
    assert (entry.queue.settlement, entry.queue.birth_year, entry.queue.kind) == (
        settlement_a,
        2023,
        "general",
    )
    assert entry.benefit_class == BenefitClass.GENERAL
    assert application.status == Status.IN_QUEUE
    assert len(application.number) == 10
    assert application.display_number.count("-") == 2


def test_submission_is_recorded_in_the_audit_trail(settlement_a, specialist_a):
    application = submit(settlement_a, **paper(specialist_a, NOW - datetime.timedelta(hours=3)))
    event = AuditEvent.objects.get(action="application.submitted", target_id=str(application.pk))
    assert event.actor == specialist_a
    assert event.details["channel"] == "education_department"
    assert event.details["submitted_at"] == application.submitted_at.isoformat()


def test_a_paper_application_keeps_the_time_the_department_received_it(settlement_a, specialist_a):
    received = datetime.datetime(2026, 11, 20, 9, 15, 42, tzinfo=ALMATY)
    application = submit(settlement_a, **paper(specialist_a, received))
    assert application.submitted_at == received
    assert application.registered_at == NOW
    assert application.registered_by == specialist_a


@pytest.mark.parametrize(
    ("received_at", "message"),
    [
        (NOW + datetime.timedelta(minutes=1), "cannot be in the future"),
        (NOW - datetime.timedelta(days=8), "more than 7 days ago"),
    ],
)
def test_a_paper_application_cannot_be_dated_in_the_future_or_far_back(
    settlement_a, specialist_a, received_at, message
):
    with pytest.raises(ValidationError, match=message) as raised:
        submit(settlement_a, **paper(specialist_a, received_at))
    assert "received_at" in raised.value.message_dict
    assert not Application.objects.exists()


def test_a_paper_application_needs_the_time_of_receipt(settlement_a, specialist_a):
    with pytest.raises(ValidationError) as raised:
        submit(settlement_a, actor=specialist_a, channel=Channel.EDUCATION_DEPARTMENT, now=NOW)
    assert "received_at" in raised.value.message_dict


def test_a_specialist_cannot_register_in_another_district(settlement_b, specialist_a):
    with pytest.raises(OutOfScope):
        submit(settlement_b, **paper(specialist_a, NOW))


def test_staff_cannot_pose_as_the_portal(settlement_a, specialist_a):
    with pytest.raises(OutOfScope):
        submit(settlement_a, actor=specialist_a, channel=Channel.PORTAL, now=NOW)


def test_child_iin_must_agree_with_birth_date_and_sex(settlement_a):
    child = child_details(birth_date=datetime.date(2022, 4, 12), sex=Sex.MALE)
    with pytest.raises(ValidationError) as raised:
        submit(
            settlement_a, child=child_details(iin=child.iin, birth_date=datetime.date(2022, 4, 13)), now=NOW
        )
    assert "birth_date" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        submit(settlement_a, child=child_details(iin=child.iin, sex=Sex.FEMALE), now=NOW)
    assert "sex" in raised.value.message_dict


def test_the_mismatch_is_explained_in_the_users_language(settlement_a):
    child = child_details()
    wrong_birth_date = child_details(iin=child.iin, birth_date=datetime.date(2022, 4, 13))
    with translation.override("ru"), pytest.raises(ValidationError) as raised:
        submit(settlement_a, child=wrong_birth_date, now=NOW)
    with translation.override("ru"):
        assert "ИИН" in raised.value.message_dict["birth_date"][0]
    with translation.override("kk"):
        assert "ЖСН" in raised.value.message_dict["birth_date"][0]


def test_a_child_too_old_is_refused_with_the_reason(settlement_a):
    seven_on_first_september = child_details(birth_date=datetime.date(2019, 8, 31))
    with pytest.raises(NotEligible, match="7") as raised:
        submit(settlement_a, child=seven_on_first_september, now=NOW)
    assert raised.value.field == "birth_date"


def test_a_special_needs_conclusion_exempts_from_the_age_limit_and_opens_the_special_queue(settlement_a):
    application = submit(
        settlement_a,
        child=child_details(birth_date=datetime.date(2019, 8, 31)),
        wants_special=True,
        documents=[document(BenefitCategory.SPECIAL_NEEDS, datetime.date(2026, 10, 1))],
        now=NOW,
    )
    kinds = set(QueueEntry.objects.filter(application=application).values_list("queue__kind", flat=True))
    assert kinds == {"general", "special"}
    entries = QueueEntry.objects.filter(application=application)
    assert len({entry.submitted_at for entry in entries}) == 1


def test_the_special_queue_needs_a_conclusion(settlement_a):
    with pytest.raises(NotEligible) as raised:
        submit(settlement_a, wants_sanatorium=True, now=NOW)
    assert raised.value.field == "wants_special"


def test_a_child_with_an_active_application_cannot_get_a_second_and_nothing_leaks(settlement_a, settlement_b):
    child = child_details()
    submit(settlement_a, child=child, applicant=applicant_details(surname="Бекова"), now=NOW)
    with pytest.raises(ChildAlreadyInQueue) as raised:
        submit(settlement_b, child=child, now=NOW)
    assert "Бекова" not in str(raised.value)
    assert settlement_a.name_ru not in str(raised.value)
    assert Application.objects.count() == 1


def test_after_withdrawal_the_child_may_apply_again(settlement_a, specialist_a):
    child = child_details()
    first = submit(settlement_a, child=child, now=NOW)
    services.withdraw_application(application=first, actor=specialist_a, now=NOW)
    second = submit(settlement_a, child=child, now=NOW + datetime.timedelta(minutes=1))
    assert second.child == first.child


def test_the_database_refuses_a_second_active_application_even_without_the_service(settlement_a):
    first = submit(settlement_a, now=NOW)
    duplicate = Application(
        number="1234567897",
        child=first.child,
        applicant=first.applicant,
        relation=first.relation,
        settlement=settlement_a,
        preferred_language="kk",
        channel=Channel.PORTAL,
        submitted_at=NOW,
        registered_at=NOW,
        status_changed_at=NOW,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_a_paper_application_creates_the_cabinet_but_never_changes_an_existing_phone(
    settlement_a, specialist_a
):
    first = submit(
        settlement_a, **paper(specialist_a, NOW), applicant=applicant_details(phone="+77010000001")
    )
    iin = first.applicant.iin
    submit(
        settlement_a,
        **paper(specialist_a, NOW),
        applicant=applicant_details(iin=iin, phone="+77019999999"),
    )
    assert Applicant.objects.get(iin=iin).phone == "+77010000001"


def test_more_than_four_preferred_kindergartens_are_refused(settlement_a):
    kindergartens = KindergartenFactory.create_batch(5, settlement=settlement_a)
    with pytest.raises(ValidationError) as raised:
        submit(settlement_a, preferred_kindergartens=kindergartens, now=NOW)
    assert "preferred_kindergartens" in raised.value.message_dict


def test_a_preferred_kindergarten_must_be_in_the_settlement(settlement_a, settlement_b):
    elsewhere = KindergartenFactory(settlement=settlement_b)
    with pytest.raises(ValidationError):
        submit(settlement_a, preferred_kindergartens=[elsewhere], now=NOW)


# --- documents -----------------------------------------------------------------------------


def test_an_executable_renamed_to_pdf_is_refused(settlement_a):
    fake = SimpleUploadedFile(
        "certificate.pdf", b"MZ\x90\x00\x03\x00\x00\x00", content_type="application/pdf"
    )
    upload = services.DocumentUpload(category="orphan", file=fake, issued_on=datetime.date(2026, 11, 1))
    with pytest.raises(InvalidDocument, match="Only PDF, JPEG and PNG"):
        submit(settlement_a, documents=[upload], now=NOW)
    assert not Application.objects.exists()


def test_a_pdf_named_as_an_image_is_refused(settlement_a):
    upload = services.DocumentUpload(
        category="orphan",
        file=SimpleUploadedFile("photo.png", b"%PDF-1.4\n"),
        issued_on=datetime.date(2026, 11, 1),
    )
    with pytest.raises(InvalidDocument, match="does not match"):
        submit(settlement_a, documents=[upload], now=NOW)


def test_a_file_over_the_size_limit_is_refused(settlement_a, settings):
    settings.BENEFIT_DOCUMENT_MAX_BYTES = 1024
    upload = services.DocumentUpload(
        category="orphan",
        file=SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 2048),
        issued_on=datetime.date(2026, 11, 1),
    )
    with pytest.raises(InvalidDocument, match="larger than"):
        submit(settlement_a, documents=[upload], now=NOW)


def test_an_employer_certificate_older_than_a_month_is_refused(settlement_a):
    with pytest.raises(InvalidDocument, match="within the last month") as raised:
        submit(
            settlement_a,
            documents=[document(BenefitCategory.SERVICEMAN, datetime.date(2026, 10, 24))],
            now=NOW,
        )
    assert raised.value.field == "issued_on"
    assert submit(
        settlement_a, documents=[document(BenefitCategory.SERVICEMAN, datetime.date(2026, 10, 25))], now=NOW
    )


def test_documents_are_stored_under_random_names(settlement_a):
    application = submit(settlement_a, documents=[document("orphan", datetime.date(2026, 11, 1))], now=NOW)
    stored = application.benefit_documents.get()
    assert "certificate" not in stored.file.name
    assert stored.file.name.startswith("benefits/")
    assert stored.file.name.endswith(".pdf")
    assert stored.content_type == "application/pdf"


def test_a_benefit_added_later_keeps_the_submission_time(settlement_a, second_specialist_a):
    application = submit(settlement_a, now=NOW)
    added = services.add_benefit_document(
        application=application,
        upload=document("large_family", datetime.date(2026, 11, 1)),
        actor=second_specialist_a,
        now=NOW + datetime.timedelta(days=3),
    )
    assert added.verification == Verification.PENDING


def test_confirming_raises_the_class_and_keeps_the_submission_time(settlement_a, second_specialist_a):
    application = submit(settlement_a, documents=[document("teacher", datetime.date(2026, 11, 20))], now=NOW)
    services.confirm_benefit(
        document=application.benefit_documents.get(),
        actor=second_specialist_a,
        now=NOW + datetime.timedelta(days=1),
    )
    entry = QueueEntry.objects.get(application=application)
    assert entry.benefit_class == BenefitClass.OUT_OF_TURN
    assert entry.submitted_at == NOW.replace(microsecond=0)
    event = AuditEvent.objects.get(action="benefit.confirmed")
    assert event.actor == second_specialist_a
    assert event.details["class"] == "out_of_turn"


def test_the_uploader_cannot_confirm_their_own_document(settlement_a, specialist_a):
    application = submit(
        settlement_a, **paper(specialist_a, NOW), documents=[document("orphan", datetime.date(2026, 11, 1))]
    )
    with pytest.raises(InvalidDocument, match="someone other than"):
        services.confirm_benefit(document=application.benefit_documents.get(), actor=specialist_a, now=NOW)


def test_a_specialist_of_another_district_cannot_decide(settlement_a, specialist_b):
    application = submit(settlement_a, documents=[document("orphan", datetime.date(2026, 11, 1))], now=NOW)
    with pytest.raises(OutOfScope):
        services.confirm_benefit(document=application.benefit_documents.get(), actor=specialist_b, now=NOW)


def test_a_call_centre_operator_cannot_decide(settlement_a, call_centre_operator):
    application = submit(settlement_a, documents=[document("orphan", datetime.date(2026, 11, 1))], now=NOW)
    with pytest.raises(OutOfScope):
        services.confirm_benefit(
            document=application.benefit_documents.get(), actor=call_centre_operator, now=NOW
        )


def test_a_document_is_decided_once(settlement_a, second_specialist_a):
    application = submit(settlement_a, documents=[document("orphan", datetime.date(2026, 11, 1))], now=NOW)
    doc = application.benefit_documents.get()
    services.reject_benefit(document=doc, actor=second_specialist_a, reason="Illegible", now=NOW)
    with pytest.raises(InvalidDocument, match="already been decided"):
        services.confirm_benefit(document=doc, actor=second_specialist_a, now=NOW)


def test_an_already_expired_document_cannot_be_confirmed(settlement_a, second_specialist_a):
    application = submit(settlement_a, documents=[document("orphan", datetime.date(2026, 11, 1))], now=NOW)
    with pytest.raises(ValidationError) as raised:
        services.confirm_benefit(
            document=application.benefit_documents.get(),
            actor=second_specialist_a,
            valid_until=datetime.date(2026, 11, 24),
            now=NOW,
        )
    assert "valid_until" in raised.value.message_dict


def test_rejection_needs_a_reason(settlement_a, second_specialist_a):
    application = submit(settlement_a, documents=[document("orphan", datetime.date(2026, 11, 1))], now=NOW)
    with pytest.raises(ValidationError) as raised:
        services.reject_benefit(
            document=application.benefit_documents.get(), actor=second_specialist_a, reason="  "
        )
    assert "reason" in raised.value.message_dict


def test_rejecting_the_only_conclusion_takes_the_child_out_of_the_special_queue(
    settlement_a, second_specialist_a
):
    application = submit(
        settlement_a,
        wants_special=True,
        documents=[document(BenefitCategory.SPECIAL_NEEDS, datetime.date(2026, 11, 1))],
        now=NOW,
    )
    services.reject_benefit(
        document=application.benefit_documents.get(), actor=second_specialist_a, reason="Expired", now=NOW
    )
    special = QueueEntry.objects.get(application=application, queue__kind="special")
    assert special.left_reason == LeaveReason.QUEUE_KIND_DROPPED
    assert QueueEntry.objects.get(application=application, queue__kind="general").is_standing


# --- withdrawal and status -------------------------------------------------------------------


def test_withdrawal_leaves_every_queue_and_deletes_nothing(settlement_a, specialist_a):
    application = submit(
        settlement_a,
        wants_special=True,
        documents=[document(BenefitCategory.SPECIAL_NEEDS, datetime.date(2026, 11, 1))],
        now=NOW,
    )
    services.withdraw_application(application=application, actor=specialist_a, reason="Moved away", now=NOW)
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert application.status_reason == "Moved away"
    assert QueueEntry.objects.filter(application=application).count() == 2
    assert not QueueEntry.objects.standing().filter(application=application).exists()
    assert AuditEvent.objects.filter(action="application.withdrawn", target_id=str(application.pk)).exists()


def test_a_withdrawn_application_cannot_be_withdrawn_again(settlement_a, specialist_a):
    application = submit(settlement_a, now=NOW)
    services.withdraw_application(application=application, actor=specialist_a, now=NOW)
    with pytest.raises(InvalidTransition):
        services.withdraw_application(application=application, actor=specialist_a, now=NOW)


def test_a_stranger_cannot_withdraw(settlement_a, specialist_b):
    application = submit(settlement_a, now=NOW)
    with pytest.raises(OutOfScope):
        services.withdraw_application(application=application, actor=specialist_b, now=NOW)
    with pytest.raises(OutOfScope):
        services.withdraw_application(application=application, actor=None, now=NOW)


# --- the service checks its own input, whatever channel calls it (issue 15) -----------------


def test_a_child_iin_with_spaces_around_it_is_taken_as_the_iin(settlement_a):
    details = child_details()
    padded = services.ChildDetails(**{**details.__dict__, "iin": f"  {details.iin} \n", "name": " Нұрлан "})

    application = submit(settlement_a, child=padded, now=NOW)

    assert (application.child.iin, application.child.name) == (details.iin, "Нұрлан")


@pytest.mark.parametrize(
    ("child", "applicant", "field", "message"),
    [
        ({"iin": "2103156000 15"}, {}, "iin", "An IIN must be exactly 12 digits."),
        ({"surname": "   "}, {}, "child_surname", "Enter the surname and the name."),
        ({"name": "Н" * 101}, {}, "child_name", "A name may have at most 100 characters."),
        ({"patronymic": "Қ" * 101}, {}, "child_patronymic", "A name may have at most 100 characters."),
        (
            {"birth_date": "2022-04-12"},
            {},
            "birth_date",
            "The birth date must be a date that has already come.",
        ),
        ({"birth_date": datetime.date(2027, 1, 1)}, {}, "birth_date", "already come"),
        ({}, {"iin": "12345"}, "applicant_iin", "An IIN must be exactly 12 digits."),
        ({}, {"surname": ""}, "applicant_surname", "Enter the surname and the name."),
        ({}, {"phone": "+7 701 12"}, "phone", "Enter a mobile number as +7 and ten digits"),
        ({}, {"phone2": "call me"}, "phone2", "Enter a mobile number as +7 and ten digits"),
        ({}, {"email": "not an address"}, "email", "Enter a valid e-mail address."),
    ],
)
def test_each_bad_input_is_refused_by_the_service_on_its_field(
    settlement_a, child, applicant, field, message
):
    details = {**child_details().__dict__, **child}

    with pytest.raises((InvalidInput, ValidationError)) as caught:
        submit(
            settlement_a,
            child=services.ChildDetails(**details),
            applicant=applicant_details(**applicant),
            now=NOW,
        )

    error = caught.value
    fields = {error.field: [str(error)]} if isinstance(error, InvalidInput) else error.message_dict
    assert field in fields
    assert message in fields[field][0]
    assert not Application.objects.exists()


def test_the_applicants_phones_and_names_are_stored_normalised(settlement_a):
    applicant = applicant_details(
        phone="8 (701) 123-45-67", phone2=" +7 702 765 43 21 ", surname=" Ахметова "
    )

    application = submit(settlement_a, applicant=applicant, now=NOW)

    stored = application.applicant
    assert (stored.phone, stored.phone2, stored.surname) == ("+77011234567", "+77027654321", "Ахметова")


def test_the_refusal_is_in_the_users_language(settlement_a):
    with translation.override("ru"):
        with pytest.raises(InvalidInput) as caught:
            submit(settlement_a, applicant=applicant_details(surname=" "), now=NOW)

        assert str(caught.value) == "Укажите фамилию и имя."


def test_adding_a_child_trims_the_iin_too(settlement_a):
    from accounts.choices import Role
    from accounts.tests.factories import ApplicantFactory, UserFactory

    parent = ApplicantFactory(user=UserFactory(role=Role.PARENT))
    details = child_details()
    padded = services.ChildDetails(**{**details.__dict__, "iin": f" {details.iin} "})

    guardianship = services.add_child(applicant=parent, details=padded, actor=parent.user, now=NOW)

    assert guardianship.child.iin == details.iin
