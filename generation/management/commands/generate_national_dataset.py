"""Fill PostgreSQL with a synthetic country for benchmarks (issue 7): ``generation.national``."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from generation import national
from queues import summary as area_summary


class Command(BaseCommand):
    help = "Load a realistic synthetic country (settlements, kindergartens, parents, applications) with COPY."

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, required=True, help="How many applications.")
        parser.add_argument("--seed", type=int, default=7, help="The random seed: same seed, same country.")
        parser.add_argument(
            "--largest-queue",
            type=int,
            default=None,
            help="Children in the biggest city's largest queue (default: 3.2%% of the applications).",
        )
        parser.add_argument(
            "--register-file",
            type=Path,
            default=None,
            help="The person register's fake to write the families to (default: REGISTERS_FAKE_FILE).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Load even though the database already holds applications."
        )

    def handle(self, *args, applications, seed, largest_queue, force, register_file, **options):
        if settings.IS_PRODUCTION:
            raise CommandError("generate_national_dataset refuses production mode: the data is fake.")
        if connection.vendor != "postgresql":
            raise CommandError("The national data set needs PostgreSQL (it is loaded with COPY), not SQLite.")
        if applications < 1:
            raise CommandError("--applications must be at least 1.")
        if national.holds_generated_country():
            raise CommandError("This database already holds a generated country; load into a fresh one.")
        if national.holds_applications() and not force:
            raise CommandError("This database already holds applications; --force adds a country anyway.")
        summary = national.generate(
            applications=applications,
            seed=seed,
            largest_queue=largest_queue,
            progress=options["verbosity"] > 0,
            register_file=register_file or settings.REGISTERS_FAKE_FILE,
        )
        self.stdout.write(
            f"Loaded {summary.applications:,} applications of {summary.children:,} children and "
            f"{summary.applicants:,} parents in {summary.settlements:,} settlements, "
            f"{summary.kindergartens:,} kindergartens, {summary.groups:,} groups, {summary.queues:,} queues "
            f"({summary.entries:,} entries, {summary.documents:,} benefit documents, "
            f"{summary.events:,} queue events of the last year) "
            f"in {summary.seconds:.1f} s. Largest queue: {summary.largest_queue_size:,} (id "
            f"{summary.largest_queue_id}). The person register's fake answers for every child: "
            f"{register_file or settings.REGISTERS_FAKE_FILE}."
        )
        national.rebuild_rank_cache(self.stdout.write)
        started = time.monotonic()
        area_summary.refresh()  # the front page's figures now, not at the next beat
        self.stdout.write(f"Front page figures counted in {time.monotonic() - started:.2f} s.")
