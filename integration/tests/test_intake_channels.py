"""The three channels of an application share one input mapper (``applications.intake``).

The same application brought through the parent's portal, the paper form of
the staff admin and the API (a service centre) registers the same child and
the same application; input that a rule refuses gets the same refusal, on
each channel's own name for the input at fault.
"""

import base64
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import Role
from accounts.forms import CONSENT_VERSION
from accounts.tests.factories import ApplicantFactory, UserFactory
from applications import services
from applications.choices import BenefitCategory, Channel, Status, Verification
from applications.intake import APPLICANT_FIELDS, CHILD_FIELDS
from applications.models import Application
from applications.tests.factories import PDF_BYTES, child_iin, pdf_upload
from core.iin import Sex
from directory.choices import KindergartenKind
from queues.choices import BenefitClass
from queues.models import QueueEntry

from .conftest import in_register, new_key

pytestmark = pytest.mark.usefixtures("english_pages")

NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))
TODAY = NOW.date()
CHILD = {
    "iin": child_iin(datetime.date(2022, 4, 12), Sex.MALE),
    "surname": "Ахметов",
    "name": "Нұрлан",
    "patronymic": "Серікұлы",
    "birth_date": datetime.date(2022, 4, 12),
    "sex": Sex.MALE,
}
APPLICANT = {
    "iin": child_iin(datetime.date(1991, 2, 3), Sex.FEMALE),
    "surname": "Ахметова",
    "name": "Дана",
    "patronymic": "",
    "phone": "+77021234567",
    "phone2": "",
    "email": "dana@example.kz",
}
LARGE_FAMILY_TODAY = (BenefitCategory.LARGE_FAMILY, TODAY)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


# --- each channel, given the same application ---------------------------------------------


def through_portal(client, settlement, *, document, wants_special=False):
    parent = ApplicantFactory(user=UserFactory(username="parent", role=Role.PARENT), **APPLICANT)
    child = services.add_child(
        applicant=parent, details=services.ChildDetails(**CHILD), actor=parent.user
    ).child
    client.force_login(parent.user)
    category, issued_on = document
    data = {
        "child": child.pk,
        "relation": "mother",
        "preferred_language": "kk",
        "benefit_category": category,
        "benefit_issued_on": issued_on.isoformat(),
        "benefit_file": pdf_upload(),
    }
    if wants_special:
        data["wants_special"] = "on"
    url = f"{reverse('applications:apply')}?settlement={settlement.pk}"
    return client.post(url, data)


def through_paper(client, settlement, specialist, *, document, wants_special=False):
    client.force_login(specialist)
    category, issued_on = document
    data = {
        **{f"child_{name}": value for name, value in CHILD.items()},
        **{f"applicant_{name}": value for name, value in APPLICANT.items()},
        "child_birth_date": CHILD["birth_date"].isoformat(),
        "relation": "mother",
        "settlement": settlement.pk,
        "preferred_language": "kk",
        "received_at_0": NOW.date().isoformat(),
        "received_at_1": NOW.strftime("%H:%M:%S"),
        "consent": "on",
        "document_category": category,
        "document_issued_on": issued_on.isoformat(),
        "document_file": pdf_upload(),
    }
    if wants_special:
        data["wants_special"] = "on"
    return client.post(reverse("admin:applications_application_add"), data)


def through_api(api_client, settlement, *, document, wants_special=False):
    category, issued_on = document
    body = {
        "child": {**CHILD, "birth_date": CHILD["birth_date"].isoformat()},
        "applicant": {**APPLICANT, "relation": "mother"},
        "settlement": settlement.kato_code,
        "queue_kinds": ["general", "special"] if wants_special else ["general"],
        "language": "kk",
        "documents": [
            {
                "category": category,
                "issued_on": issued_on.isoformat(),
                "file_name": "certificate.pdf",
                "content": base64.b64encode(PDF_BYTES).decode(),
            }
        ],
        "received_at": NOW.isoformat(),
        "consent_version": CONSENT_VERSION,
    }
    in_register(body)
    return api_client.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY=new_key())


@pytest.fixture
def send(request, client, gov_corp_client, settlement_a, specialist_a):
    """Send an application through the channel of the test's parameter; the response of that channel."""
    channels = {
        "portal": lambda **kwargs: through_portal(client, settlement_a, **kwargs),
        "paper": lambda **kwargs: through_paper(client, settlement_a, specialist_a, **kwargs),
        "api": lambda **kwargs: through_api(gov_corp_client, settlement_a, **kwargs),
    }
    return channels[request.param]


def registered(application: Application) -> dict:
    """What an application registered: its child, applicant, wishes, documents and queue entries."""
    return {
        "child": {name: getattr(application.child, name) for name in CHILD_FIELDS},
        "applicant": {name: getattr(application.applicant, name) for name in APPLICANT_FIELDS},
        "relation": application.relation,
        "settlement": application.settlement_id,
        "preferred_language": application.preferred_language,
        "wants_special": application.wants_special,
        "wants_sanatorium": application.wants_sanatorium,
        "status": application.status,
        "submitted_at": application.submitted_at,
        "documents": [
            (document.category, document.issued_on, document.verification, document.content_type)
            for document in application.benefit_documents.all()
        ],
        "queues": [
            (entry.queue.kind, entry.queue.birth_year, entry.benefit_class, entry.submitted_at)
            for entry in QueueEntry.objects.filter(application=application).select_related("queue")
        ],
    }


def expected(settlement) -> dict:
    return {
        "child": CHILD,
        "applicant": APPLICANT,
        "relation": "mother",
        "settlement": settlement.pk,
        "preferred_language": "kk",
        "wants_special": False,
        "wants_sanatorium": False,
        "status": Status.IN_QUEUE,
        "submitted_at": NOW,
        "documents": [(BenefitCategory.LARGE_FAMILY, TODAY, Verification.PENDING, "application/pdf")],
        "queues": [(KindergartenKind.GENERAL, 2022, BenefitClass.GENERAL, NOW)],
    }


# --- the same input, the same application --------------------------------------------------


@pytest.mark.parametrize(
    ("send", "channel"),
    [("portal", Channel.PORTAL), ("paper", Channel.EDUCATION_DEPARTMENT), ("api", Channel.GOV_CORP)],
    indirect=["send"],
)
def test_each_channel_registers_the_same_child_and_application(send, channel, settlement_a):
    response = send(document=LARGE_FAMILY_TODAY)

    assert response.status_code in (201, 302)
    application = Application.objects.get()
    assert application.channel == channel
    assert registered(application) == expected(settlement_a)


# --- the same refusal, on each channel's name for the input -------------------------------


def refusals(response) -> dict[str, list[str]]:
    """The field errors a channel answered with: the API's ``fields``, or the page's form errors."""
    if response.headers["Content-Type"].startswith("application/json"):
        assert response.status_code == 400
        return response.json()["error"]["fields"]
    assert response.status_code == 200
    return {
        name: [str(error) for error in errors] for name, errors in response.context["form"].errors.items()
    }


CERTIFICATE_TOO_OLD = "An employer certificate must have been issued within the last month."


@pytest.mark.parametrize(
    ("send", "field"),
    [("portal", "benefit_issued_on"), ("paper", "document_issued_on"), ("api", "issued_on")],
    indirect=["send"],
)
def test_an_out_of_date_employer_certificate_is_refused_on_its_date_of_issue(send, field):
    response = send(document=(BenefitCategory.TEACHER, TODAY - datetime.timedelta(days=45)))

    assert refusals(response) == {field: [CERTIFICATE_TOO_OLD]}
    assert not Application.objects.exists()


@pytest.mark.parametrize("send", ["portal", "paper", "api"], indirect=True)
def test_the_special_queue_without_a_pmpk_conclusion_is_refused_on_the_wish(send):
    response = send(document=LARGE_FAMILY_TODAY, wants_special=True)

    errors = refusals(response)
    assert list(errors) == ["wants_special"]
    assert "PMPK" in errors["wants_special"][0]
    assert not Application.objects.exists()
