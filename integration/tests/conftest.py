"""Organisations, tokens and API clients for the integration tests (the named actors of conftest.py)."""

import base64
import datetime
import itertools

import pytest
from rest_framework.test import APIClient

from accounts.forms import CONSENT_VERSION
from applications.tests.factories import PDF_BYTES, child_iin
from core import clock
from core.iin import Sex
from integration import services
from integration.choices import OrganisationKind, TokenRole
from integration.models import Organisation
from registers.persons import Person, write_fake_records

_keys = itertools.count()


@pytest.fixture(autouse=True)
def _person_register(person_register):
    """Every API test has the register's fake, empty at first: ``submit`` puts the family in it."""
    return person_register


@pytest.fixture
def department_a(district_a):
    organisation = Organisation.objects.create(name="Department A", kind=OrganisationKind.DEPARTMENT)
    organisation.districts.set([district_a])
    return organisation


@pytest.fixture
def service_centre(db):
    return Organisation.objects.create(name="Service centre", kind=OrganisationKind.SERVICE_CENTRE)


@pytest.fixture
def call_centre(db):
    return Organisation.objects.create(name="Call centre 1414", kind=OrganisationKind.CALL_CENTRE)


def client_with(secret: str, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def gov_corp_client(service_centre):
    _token, secret = services.issue_token(organisation=service_centre, role=TokenRole.GOV_CORP, name="CON")
    return client_with(secret)


@pytest.fixture
def department_client(department_a, settlement_a, settlement_b):
    _token, secret = services.issue_token(organisation=department_a, role=TokenRole.DEPARTMENT, name="Dept")
    return client_with(secret)


@pytest.fixture
def call_centre_client(call_centre):
    _token, secret = services.issue_token(organisation=call_centre, role=TokenRole.CALL_CENTRE, name="Desk")
    return client_with(secret)


def new_key() -> str:
    return f"key-{next(_keys)}"


def submission(where, **overrides) -> dict:
    """A valid request body for ``POST /api/v1/applications/``."""
    body = {
        "child": {
            "iin": child_iin(datetime.date(2022, 4, 12), Sex.MALE),
            "surname": "Ахметов",
            "name": "Нұрлан",
            "birth_date": "2022-04-12",
            "sex": "male",
        },
        "applicant": {
            "iin": child_iin(datetime.date(1991, 2, 3), Sex.FEMALE),
            "surname": "Ахметова",
            "name": "Дана",
            "relation": "mother",
            "phone": "+77021234567",
        },
        "settlement": where.kato_code,
        "queue_kinds": ["general"],
        "language": "kk",
        "documents": [
            {
                "category": "large_family",
                "issued_on": clock.now().date().isoformat(),
                "file_name": "certificate.pdf",
                "content": base64.b64encode(PDF_BYTES).decode(),
            }
        ],
        "received_at": (clock.now() - datetime.timedelta(hours=2)).replace(microsecond=0).isoformat(),
        "consent_version": CONSENT_VERSION,
    }
    body.update(overrides)
    return body


def in_register(body: dict) -> dict:
    """Put the child of a request body in the register's fake, the applicant its representative."""
    child = body["child"]
    person = Person(
        iin=child["iin"],
        surname=child["surname"],
        name=child["name"],
        patronymic=child.get("patronymic", ""),
        birth_date=datetime.date.fromisoformat(str(child["birth_date"])),
        sex=child["sex"],
        representatives=(body["applicant"]["iin"],),
    )
    write_fake_records([person], replace=False)
    return body


def submit(client, where, key=None, language="en", known=True, **overrides):
    """Submit ``submission(where, **overrides)`` with a fresh (or the given) idempotency key.

    ``known``: the person register knows the child as the applicant's, as it
    does of nearly every family (``in_register``).
    """
    body = submission(where, **overrides)
    if known:
        in_register(body)
    return client.post(
        "/api/v1/applications/",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or new_key(),
        HTTP_ACCEPT_LANGUAGE=language,
    )
