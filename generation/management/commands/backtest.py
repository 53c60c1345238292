"""``manage.py backtest`` (``make backtest``): the wait estimate's calibration table (docs/estimates.md)."""

import time

from django.core.management.base import BaseCommand

from generation import backtest


class Command(BaseCommand):
    help = (
        "Back-test the wait estimate on a synthetic country and print its calibration table per queue size."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=12, help="The synthetic country's seed (default 12).")

    def handle(self, *args, seed, **options):
        started = time.monotonic()
        rows = backtest.calibration(backtest.run(seed=seed))
        self.stdout.write(backtest.table(rows))
        self.stdout.write(f"\nseed {seed}; {time.monotonic() - started:.0f} s")
