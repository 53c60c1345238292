"""Factories for children and applications; applications are made through the real service."""

import datetime

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.forms import CONSENT_VERSION
from applications import services
from applications.choices import Channel, Relation
from applications.models import Child
from applications.samples import blank_pdf
from core.iin import Sex, synthetic_iins
from directory.choices import GroupLanguage

_child_iins: dict[tuple, object] = {}


def child_iin(birth_date: datetime.date, sex: str) -> str:
    """A fresh synthetic IIN for a child born on ``birth_date`` (never a real person's)."""
    key = (birth_date, sex)
    if key not in _child_iins:
        _child_iins[key] = synthetic_iins(birth_date, sex)
    return next(_child_iins[key])


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    birth_date = datetime.date(2022, 4, 12)
    sex = Sex.MALE
    iin = factory.LazyAttribute(lambda child: child_iin(child.birth_date, child.sex))
    surname = "Ахметов"
    name = "Нұрлан"


def child_details(birth_date=datetime.date(2022, 4, 12), sex=Sex.MALE, **overrides) -> services.ChildDetails:
    fields = {
        "iin": child_iin(birth_date, sex),
        "surname": "Ахметов",
        "name": "Нұрлан",
        "birth_date": birth_date,
        "sex": sex,
    }
    fields.update(overrides)
    return services.ChildDetails(**fields)


_applicant_serial = iter(range(10**6))


def applicant_details(**overrides) -> services.ApplicantDetails:
    serial = next(_applicant_serial)
    fields = {
        "iin": child_iin(datetime.date(1991, 2, 3), Sex.FEMALE),
        "surname": "Ахметова",
        "name": "Дана",
        "phone": f"+7702{serial:07d}",
    }
    fields.update(overrides)
    return services.ApplicantDetails(**fields)


PDF_BYTES = blank_pdf()


def pdf_upload(name: str = "certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def document(category: str, issued_on: datetime.date) -> services.DocumentUpload:
    return services.DocumentUpload(category=category, file=pdf_upload(), issued_on=issued_on)


def submit(settlement, *, actor=None, child=None, channel=Channel.PORTAL, **kwargs):
    """Submit an application through the real use case, with sensible defaults."""
    return services.submit_application(
        child=child or child_details(),
        applicant=kwargs.pop("applicant", None) or applicant_details(),
        relation=kwargs.pop("relation", Relation.MOTHER),
        settlement=settlement,
        preferred_language=kwargs.pop("preferred_language", GroupLanguage.KAZAKH),
        channel=channel,
        actor=actor,
        consent_version=kwargs.pop(
            "consent_version", CONSENT_VERSION if channel in services.STAFF_CHANNELS else ""
        ),
        **kwargs,
    )
