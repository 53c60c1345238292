"""People are shown by name and role, never by their internal user name (issue 14 item 3)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from applications import services as application_services
from applications.choices import BenefitCategory
from applications.models import BenefitDocument
from applications.tests.factories import document, submit
from audit.services import record
from audit.vocabulary import AuditAction

INTERNAL_NAME = "parent-2a28c0ffee5e1f00"


@pytest.fixture
def parent_user(db):
    return UserFactory(username=INTERNAL_NAME, role=Role.PARENT, first_name="Айгүл", last_name="Сейітова")


@pytest.fixture
def named_specialist(district_a):
    return UserFactory(
        username="spec.almaly.07",
        role=Role.SPECIALIST,
        is_staff=True,
        districts=[district_a],
        first_name="Ерлан",
        last_name="Омаров",
    )


def test_a_user_reads_as_name_and_role(parent_user):
    with translation.override("ru"):
        assert str(parent_user) == "Сейітова Айгүл (Родитель или законный представитель)"
        assert str(UserFactory(username="nameless", role=Role.CALL_CENTRE)) == "Оператор колл-центра"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_admin_names_the_uploader_and_the_actor_never_by_username(
    client, superuser, settlement_a, parent_user, specialist_a, named_specialist, language
):
    application = submit(settlement_a)
    uploaded = application_services.add_benefit_document(
        application=application,
        upload=document(BenefitCategory.TEACHER, timezone.localdate() - datetime.timedelta(days=2)),
        actor=specialist_a,
    )
    BenefitDocument.objects.filter(pk=uploaded.pk).update(uploaded_by=parent_user)  # as the parent's upload
    record(action=AuditAction.BENEFIT_DOCUMENT_ADDED, target=application, actor=parent_user)
    application_services.confirm_benefit(document=uploaded, actor=named_specialist)
    client.force_login(superuser)
    client.cookies["django_language"] = language

    pages = [
        client.get(reverse("admin:applications_application_change", args=[application.pk])).text,
        client.get(reverse("admin:audit_auditevent_changelist")).text,
        client.get(reverse("admin:applications_benefitdocument_changelist")).text,
    ]

    for page in pages:
        assert INTERNAL_NAME not in page
        assert "spec.almaly.07" not in page
    assert "Сейітова Айгүл" in pages[0]  # uploaded by, and the history's actor
    assert "Омаров Ерлан" in pages[0]  # verified by
    assert "Сейітова Айгүл" in pages[1]


def test_the_admin_greets_a_staff_member_without_a_first_name_by_role(client, specialist_a):
    client.force_login(specialist_a)
    client.cookies["django_language"] = "ru"

    page = client.get(reverse("admin:index")).text

    assert "<strong>Специалист отдела образования</strong>" in page
    assert specialist_a.username not in page


def test_a_signed_in_parent_at_the_staff_sign_in_page_is_not_named_by_username(client, parent_user):
    client.force_login(parent_user)

    page = client.get(reverse("admin:login")).text

    assert INTERNAL_NAME not in page
    assert "Сейітова Айгүл" in page
