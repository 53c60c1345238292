"""The demo data set: made through the real services, loaded once however often the command runs."""

import base64
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Applicant, User
from applications import register_checks
from applications.models import Application, BenefitDocument, Child
from audit.models import AuditEvent
from core import clock
from directory.choices import KindergartenKind, SettlementKind
from directory.models import District, Group, Kindergarten, Settlement
from generation.demo import DEMO_MOTHER, DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_newcomers
from queues.choices import BenefitClass
from queues.models import QueueEntry

STAFF_LOGINS = ("admin", "specialist.city", "specialist.city2", "specialist.rural", "operator")
DEMO_PARENT_PHONES = ("+77995550101", "+77995550102")
COUNTED = (
    District, Settlement, Kindergarten, Group, User, Applicant,
    Child, Application, BenefitDocument, QueueEntry, AuditEvent,
)  # fmt: skip


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@dataclass(frozen=True)
class Runs:
    first: str
    second: str
    counts_after_first: dict[str, int]
    register_file: Path


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """Run the command twice, as a developer would, once for the whole module, and roll it all back after.

    Loading takes seconds, so the tests share one load inside a transaction of their own
    (each test's ``django_db`` transaction nests in it as a savepoint). The documents'
    files go to a throw-away folder; the fast hasher keeps the staff passwords from costing seconds.
    """
    register_file = tmp_path_factory.mktemp("register") / "persons.sqlite3"
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private"),
            OUTBOX_DIR=tmp_path_factory.mktemp("outbox"),
            REGISTERS_FAKE_FILE=register_file,
        ),
        transaction.atomic(),
    ):
        first, second = io.StringIO(), io.StringIO()
        call_command("load_demo", stdout=first)
        assert not transaction.get_connection().run_on_commit, "loading the demo schedules no notice"
        counts = _counts()
        call_command("load_demo", stdout=second)
        yield Runs(first.getvalue(), second.getvalue(), counts, register_file)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_demo_has_a_city_villages_and_kindergartens(demo):
    assert Settlement.objects.filter(kind=SettlementKind.CITY).count() >= 1
    assert Settlement.objects.filter(kind=SettlementKind.VILLAGE).count() >= 3
    assert Kindergarten.objects.count() >= 20
    assert Kindergarten.objects.filter(kind=KindergartenKind.SPECIAL).exists()
    assert Kindergarten.objects.filter(kind=KindergartenKind.SANATORIUM).exists()
    assert not Kindergarten.objects.filter(groups__isnull=True).exists()


@pytest.mark.django_db
def test_every_application_stands_in_the_general_queue_of_its_settlement_and_birth_year(demo):
    applications = Application.objects.all()
    assert applications.count() >= 250
    in_own_general_queue = QueueEntry.objects.filter(
        queue__kind=KindergartenKind.GENERAL,
        queue__settlement=F("application__settlement"),
        queue__birth_year=F("application__child__birth_date__year"),
    )
    assert set(in_own_general_queue.values_list("application", flat=True)) == set(
        applications.values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_demo_has_out_of_turn_and_first_turn_applications(demo):
    classes = set(QueueEntry.objects.standing().values_list("benefit_class", flat=True))
    assert {BenefitClass.OUT_OF_TURN, BenefitClass.FIRST_TURN, BenefitClass.GENERAL} <= classes


@pytest.mark.django_db
def test_benefits_are_decided_by_someone_other_than_the_uploader(demo):
    decided = BenefitDocument.objects.filter(verified_by__isnull=False)
    assert decided.exists()
    assert not decided.filter(verified_by=F("uploaded_by")).exists()


@pytest.mark.django_db
def test_second_run_adds_nothing(demo):
    assert "already loaded" in demo.second
    assert _counts() == demo.counts_after_first


@pytest.mark.django_db
def test_every_run_prints_the_demo_logins(demo):
    parents = Applicant.objects.filter(phone__in=DEMO_PARENT_PHONES)
    assert parents.count() == len(DEMO_PARENT_PHONES)
    for output in (demo.first, demo.second):
        assert "Demo logins" in output
        assert "http://127.0.0.1:8000/admin/" in output
        assert DEMO_PASSWORD in output
        for username in STAFF_LOGINS:
            assert username in output
        for parent in parents:
            assert parent.iin in output


@pytest.mark.django_db
def test_the_register_knows_every_demo_child_and_names_its_applicant(demo, settings):
    settings.REGISTERS_FAKE_FILE = demo.register_file
    for application in Application.objects.select_related("child", "applicant"):
        found = register_checks.registered_child(
            applicant=application.applicant, iin=application.child.iin, actor=None, reason="test"
        )
        assert register_checks.child_details(found) == register_checks.child_details(application.child)


@pytest.mark.django_db
def test_the_demo_mother_may_add_her_son_by_iin_and_not_anothers_child(demo, settings):
    settings.REGISTERS_FAKE_FILE = demo.register_file
    mother = Applicant.objects.get(iin=DEMO_MOTHER.iin)
    own, strangers = demo_newcomers(clock.today())

    def ask(iin):
        return register_checks.registered_child(applicant=mother, iin=iin, actor=None, reason="test")

    assert ask(own.iin).name == "Нұрлан"
    assert not mother.guardianships.filter(child__iin=own.iin).exists()
    with pytest.raises(register_checks.NotRepresentative):
        ask(strangers.iin)
    assert strangers.iin in demo.first


@pytest.mark.django_db
def test_staff_sign_in_with_the_demo_password(demo):
    for username in STAFF_LOGINS:
        user = User.objects.get(username=username)
        assert user.is_staff
        assert user.check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_staff_pass_the_second_factor_with_the_published_demo_key(demo):
    for username in STAFF_LOGINS:
        device = TOTPDevice.objects.get(user__username=username)
        assert device.confirmed
        assert base64.b32encode(device.bin_key).decode() == DEMO_TOTP_SECRET
        assert device.verify_token(f"{totp(base64.b32decode(DEMO_TOTP_SECRET)):06d}")
    assert "manage.py demo_totp_code <username>" in demo.first
    assert DEMO_TOTP_SECRET in demo.second


@pytest.mark.django_db
def test_refuses_in_production(settings):
    settings.IS_PRODUCTION = True
    before = _counts()
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo", stdout=io.StringIO())
    assert _counts() == before
