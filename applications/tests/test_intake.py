"""The input mapper reads a child and an applicant alike from a record or from a form's cleaned data."""

import datetime

from applications.intake import applicant_from, child_from, uploads
from applications.models import Child
from applications.services import ApplicantDetails, ChildDetails
from applications.tests.factories import child_iin, pdf_upload
from core.iin import Sex

CHILD = ChildDetails(
    iin=child_iin(datetime.date(2022, 4, 12), Sex.MALE),
    surname="Ахметов",
    name="Нұрлан",
    patronymic="Серікұлы",
    birth_date=datetime.date(2022, 4, 12),
    sex=Sex.MALE,
)


def test_a_child_record_and_a_forms_prefixed_fields_give_the_same_details():
    record = Child(**vars(CHILD))
    paper = {f"child_{name}": value for name, value in vars(CHILD).items()} | {"child_note": "ignored"}

    assert child_from(record) == CHILD
    assert child_from(paper, prefix="child_") == CHILD
    assert child_from(vars(CHILD)) == CHILD


def test_an_applicant_is_read_without_the_fields_that_are_not_the_applicants():
    data = {
        "iin": child_iin(datetime.date(1991, 2, 3), Sex.FEMALE),
        "surname": "Ахметова",
        "name": "Дана",
        "patronymic": "",
        "phone": "+77021234567",
    }

    applicant = applicant_from({**data, "phone2": "", "email": "", "relation": "mother"})

    assert applicant == ApplicantDetails(**data)


def test_only_the_documents_given_with_a_file_are_uploaded():
    today = datetime.date(2026, 3, 12)
    certificate = pdf_upload()

    documents = uploads(("special_needs", None, None), ("large_family", certificate, today))

    assert [(document.category, document.file, document.issued_on) for document in documents] == [
        ("large_family", certificate, today)
    ]
