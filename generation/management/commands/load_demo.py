"""``manage.py load_demo``: the demo data set of ``generation.demo``, once, and the logins to try it with."""

import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Sum

from accounts.models import Applicant, User
from applications.choices import Status, Verification
from applications.models import Application, BenefitDocument
from core import clock
from directory.choices import SettlementKind
from directory.models import District, Group, Kindergarten, Settlement
from dispatch.models import PendingTask
from generation.demo import (
    ADMIN_URL,
    DEMO_FATHER,
    DEMO_MOTHER,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DISTRICTS,
    GENERAL,
    MARKER_KATO,
    SEED,
    SIGN_IN_URL,
    STAFF,
    DemoLoader,
    demo_newcomers,
)
from queues import summary
from queues.choices import BenefitClass
from queues.models import QueueEntry


class Command(BaseCommand):
    help = "Fill a development database with demo districts, kindergartens, applications and logins (once)."

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION:
            raise CommandError(
                "load_demo refuses to run in production mode (DJANGO_ENV=production): "
                "its staff logins share a published password."
            )
        started = time.monotonic()
        with transaction.atomic():
            if District.objects.filter(kato_code=MARKER_KATO).exists():
                self.stdout.write(
                    f"The demo data is already loaded (district KATO {MARKER_KATO}); nothing added."
                )
            else:
                taken = User.objects.filter(username__in=[spec.username for spec in STAFF])
                if taken.exists():
                    raise CommandError(
                        f"Users {', '.join(taken.values_list('username', flat=True))} already exist and "
                        "the demo needs those usernames; load it into a fresh database."
                    )
                DemoLoader(random.Random(SEED)).load()  # noqa: S311 - reproducible synthetic data, no secrets
                # Three years of made-up history are news to nobody: drop the notices the
                # use cases scheduled for after the commit, rather than "send" hundreds.
                transaction.get_connection().run_on_commit.clear()
                PendingTask.objects.filter(sent_at__isnull=True).delete()  # not in production: none real
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Demo data loaded in {time.monotonic() - started:.1f} s (seed {SEED})."
                    )
                )
        summary.refresh()  # the front page's figures at once, not at the next beat
        self._write_summary()
        self._write_logins()

    def _write_summary(self) -> None:
        settlements = Settlement.objects.filter(
            district__kato_code__in=[kato for kato, *_ in DISTRICTS.values()]
        )
        kinds = dict(settlements.values_list("kind").annotate(n=Count("id")).order_by())
        kindergartens = Kindergarten.objects.filter(settlement__in=settlements)
        groups = Group.objects.filter(kindergarten__in=kindergartens).aggregate(
            n=Count("id"), places=Sum("capacity")
        )
        applications = Application.objects.filter(settlement__in=settlements)
        statuses = applications.values_list("status").annotate(n=Count("id")).order_by("status")
        entries = QueueEntry.objects.standing().filter(queue__settlement__in=settlements)
        classes = dict(
            entries.filter(queue__kind=GENERAL)
            .values_list("benefit_class")
            .annotate(n=Count("id"))
            .order_by()
        )
        other_queues = (
            entries.exclude(queue__kind=GENERAL)
            .values_list("queue__kind")
            .annotate(n=Count("id"))
            .order_by("queue__kind")
        )
        documents = (
            BenefitDocument.objects.filter(application__in=applications)
            .values_list("verification")
            .annotate(n=Count("id"))
            .order_by("verification")
        )

        def listing(pairs, label) -> str:
            return ", ".join(f"{label(value)} {count}" for value, count in pairs) or "none"

        write = self.stdout.write
        write(
            f"Settlements: {kinds.get(SettlementKind.CITY, 0)} city,"
            f" {kinds.get(SettlementKind.VILLAGE, 0)} villages in {len(DISTRICTS)} districts"
        )
        write(
            f"Kindergartens: {kindergartens.count()}"
            f" ({listing(kindergartens.values_list('kind').annotate(n=Count('id')).order_by(), str)};"
            f" {listing(kindergartens.values_list('ownership').annotate(n=Count('id')).order_by(), str)})"
        )
        write(f"Groups: {groups['n']}, {groups['places'] or 0} places")
        write(f"Applications: {applications.count()}")
        write(f"  by status: {listing(statuses, lambda value: Status(value).label)}")
        write(
            "  by class in the general queues: "
            + listing(
                ((cls, classes.get(cls, 0)) for cls in BenefitClass), lambda value: BenefitClass(value).label
            )
        )
        write(f"  also standing in: {listing(other_queues, lambda value: f'{value} queues')}")
        write(f"Benefit documents: {listing(documents, lambda value: Verification(value).label)}")

    def _write_logins(self) -> None:
        write = self.stdout.write
        write("")
        write(self.style.MIGRATE_HEADING("Demo logins"))
        write(f"  Admin site: {ADMIN_URL}")
        write(f"  Password of every staff login: {DEMO_PASSWORD}")
        width = max(len(spec.username) for spec in STAFF)
        for spec in STAFF:
            write(f"  {spec.username:<{width}}  {spec.description}")
        write("  After the password, staff give the code of an authenticator app: print the current one with")
        write("    .venv/bin/python manage.py demo_totp_code <username>")
        write(f"  or add the key {DEMO_TOTP_SECRET} (time-based) to an authenticator app.")
        write(f"  Parents sign in at {SIGN_IN_URL} with their IIN and phone; the one-time code")
        write("  arrives as a file in var/outbox/ (no SMS leaves this machine):")
        parents = Applicant.objects.filter(iin__in=[DEMO_MOTHER.iin, DEMO_FATHER.iin]).prefetch_related(
            "applications__settlement", "applications__child"
        )
        for parent in sorted(parents, key=lambda parent: parent.phone):
            children = "; ".join(
                f"{application.child.name}, № {application.display_number}, {application.settlement.name_kk}"
                for application in sorted(parent.applications.all(), key=lambda application: application.pk)
            )
            write(f"  IIN {parent.iin}  phone {parent.phone}  {parent.full_name}: {children}")
        own, strangers = demo_newcomers(clock.today())
        write("  Children are added by IIN from the person register (its local fake):")
        write(f"    the mother adds her son with IIN {own.iin}; IIN {strangers.iin}, another family's child,")
        write("    is refused.")
