"""The synthetic country of ``generate_national_dataset``: valid rows, the real class mix, true positions."""

import datetime
import io
import itertools
import random
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.models import Applicant, phone_validator
from applications.age import is_age_eligible
from applications.choices import Status, Verification
from applications.models import Application, BenefitDocument, Child
from core.iin import check_iin_matches, parse_iin
from directory.choices import KindergartenKind
from generation import national
from queues import selectors
from queues.choices import BenefitClass
from queues.models import Queue, QueueEntry, QueueEvent
from queues.tests.reference import reference_order
from registers import persons

APPLICATIONS = 2_000


@pytest.fixture(scope="module")
def register_file(tmp_path_factory):
    """The person register's fake the country's families are written to."""
    return tmp_path_factory.mktemp("register") / "persons.sqlite3"


@pytest.fixture(scope="module")
def country(django_db_setup, django_db_blocker, register_file):
    """One small country for the whole module, loaded once (about two seconds) and removed after it."""
    with django_db_blocker.unblock():
        output = io.StringIO()
        call_command(
            "generate_national_dataset",
            applications=APPLICATIONS,
            seed=3,
            register_file=register_file,
            stdout=output,
            verbosity=0,
        )
        yield output.getvalue()
        # The load committed: empty the database again, as a transactional test does after itself.
        call_command("flush", interactive=False, verbosity=0)


pytestmark = pytest.mark.django_db


def test_the_command_reports_what_it_loaded(country):
    assert f"Loaded {APPLICATIONS:,} applications" in country


def test_every_child_has_a_valid_iin_agreeing_with_birth_date_and_sex_and_may_stand_in_a_queue(country):
    today = timezone.localdate()
    for child in Child.objects.all():
        check_iin_matches(child.iin, birth_date=child.birth_date, sex=child.sex)
        assert is_age_eligible(child.birth_date, today, has_special_needs_conclusion=False)
    assert Child.objects.count() == APPLICATIONS


def test_the_person_registers_fake_answers_for_every_child_naming_its_parent(
    country, register_file, settings
):
    settings.REGISTERS_BACKEND = "registers.persons.FakePersonRegister"
    settings.REGISTERS_FAKE_FILE = register_file
    applications = Application.objects.select_related("child", "applicant").order_by("?")[:200]
    for application in applications:
        child = application.child
        found = persons.person(child.iin, reason="test")
        assert (found.surname, found.name, found.patronymic, found.birth_date, found.sex) == (
            child.surname,
            child.name,
            child.patronymic,
            child.birth_date,
            child.sex,
        )
        assert found.is_represented_by(application.applicant.iin)
    assert persons.fake_person("000000000000", path=register_file) is None


def test_every_parent_has_a_valid_iin_and_a_mobile_number(country):
    for iin, phone, phone2 in Applicant.objects.values_list("iin", "phone", "phone2"):
        parse_iin(iin)
        phone_validator(phone)
        if phone2:
            phone_validator(phone2)
    # Some parents have two children in the queue: the cabinet lists both.
    assert Applicant.objects.count() < APPLICATIONS


def test_the_class_mix_is_about_93_5_2_with_pending_and_rejected_documents(country):
    classes = Counter(
        QueueEntry.objects.filter(queue__kind=KindergartenKind.GENERAL).values_list(
            "benefit_class", flat=True
        )
    )
    total = sum(classes.values())
    assert 0.90 < classes[BenefitClass.GENERAL] / total < 0.96
    assert 0.03 < classes[BenefitClass.FIRST_TURN] / total < 0.07
    assert 0.008 < classes[BenefitClass.OUT_OF_TURN] / total < 0.035
    decisions = Counter(BenefitDocument.objects.values_list("verification", flat=True))
    assert decisions[Verification.PENDING] > 0
    assert decisions[Verification.REJECTED] > 0


def test_special_needs_children_stand_in_the_special_and_sanatorium_queues_too(country):
    for kind in (KindergartenKind.SPECIAL, KindergartenKind.SANATORIUM):
        entries = QueueEntry.objects.standing().filter(queue__kind=kind)
        assert entries.exists()
        for entry in entries.select_related("application"):
            assert entry.application.queue_entries.filter(queue__kind=KindergartenKind.GENERAL).exists()


def test_settlements_are_long_tailed_one_big_city_many_small_villages(country):
    sizes = sorted(
        (QueueEntry.objects.standing().filter(queue=queue).count() for queue in Queue.objects.all()),
        reverse=True,
    )
    assert sizes[0] >= 5 * sizes[len(sizes) // 2]
    assert sizes[-1] <= 3


def test_ids_follow_registration_order_and_submission_never_after_registration(country):
    times = list(Application.objects.order_by("pk").values_list("registered_at", "submitted_at"))
    assert all(earlier[0] <= later[0] for earlier, later in itertools.pairwise(times))
    assert all(submitted <= registered for registered, submitted in times)


def test_left_entries_belong_to_withdrawn_applications_or_a_dropped_special_queue(country):
    for entry in QueueEntry.objects.filter(left_at__isnull=False).select_related("application", "queue"):
        assert entry.application.status == Status.WITHDRAWN or entry.queue.kind != KindergartenKind.GENERAL


def test_positions_agree_with_the_plain_reference_on_a_sample_of_queues(country):
    queues = list(Queue.objects.order_by("pk"))
    sample = [*random.Random(1).sample(queues, 12), max(queues, key=lambda q: q.entries.count())]
    for queue in sample:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT application_id, benefit_class, submitted_at FROM queues_queueentry "
                "WHERE queue_id = %s AND left_at IS NULL",
                [queue.pk],
            )
            rows = cursor.fetchall()
        expected = reference_order([(app, cls, submitted, app) for app, cls, submitted in rows])
        for position, application_id in enumerate(expected, start=1):
            (found,) = [
                p for p in selectors.positions_of_application(application_id) if p.entry.queue_id == queue.pk
            ]
            assert found.standing.position == position


def _queue_at(entries: list[QueueEntry], confirmed: dict, moment) -> list[int]:
    """The queue at ``moment`` read from the loaded rows themselves: who stood then, in which class.

    An entry stood from its join to its leaving; a benefit document confirmed
    after the join counted from the confirmation on (before it, general).
    """
    rows = []
    for entry in entries:
        if entry.joined_at > moment or (entry.left_at is not None and entry.left_at <= moment):
            continue
        verified = confirmed.get(entry.application_id)
        counts = verified is None or verified <= entry.joined_at or verified <= moment
        benefit_class = entry.benefit_class if counts else BenefitClass.GENERAL
        rows.append((entry.application_id, benefit_class, entry.submitted_at, entry.application_id))
    return reference_order(rows)


def test_a_year_of_queue_events_replays_exactly_for_the_back_of_the_largest_queue(country):
    """Issue 12's history at scale: each step's positions are the queue's as the loaded rows had it then."""
    largest = max(Queue.objects.all(), key=lambda q: q.entries.filter(left_at__isnull=True).count())
    year_ago = timezone.now() - national.EVENT_HISTORY
    assert not QueueEvent.objects.filter(at__lt=year_ago - datetime.timedelta(hours=1)).exists()
    causes = set(QueueEvent.objects.filter(queue=largest).values_list("cause", flat=True))
    assert {"submitted", "backdated_paper", "benefit_confirmed"} <= causes
    entries = list(QueueEntry.objects.filter(queue=largest))
    confirmed = dict(
        BenefitDocument.objects.filter(
            application__queue_entries__queue=largest, verification=Verification.CONFIRMED
        ).values_list("application_id", "verified_at")
    )
    standing = [entry for entry in entries if entry.left_at is None]
    back = sorted(standing, key=lambda e: (e.submitted_at, e.application_id))[-20:]
    checked = 0
    for entry in back:
        for step in selectors.position_history(entry):
            before = _queue_at(entries, confirmed, step.at - datetime.timedelta(microseconds=1))
            after = _queue_at(entries, confirmed, step.at)
            me = entry.application_id
            assert step.position_before == (before.index(me) + 1 if me in before else None)
            assert step.position_after == after.index(me) + 1
            checked += 1
    assert checked > len(back)


def test_a_second_load_is_refused_without_force_and_with_it(country):
    with pytest.raises(CommandError, match="already holds a generated country"):
        call_command("generate_national_dataset", applications=10, stdout=io.StringIO(), verbosity=0)
    assert national.holds_applications()
