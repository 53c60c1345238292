"""``manage.py verify_openings``: check the public log of openings link by link (issue 13)."""

from django.core.management.base import BaseCommand

from bulletins import openings
from bulletins.models import Opening


class Command(BaseCommand):
    help = "Recompute every entry's hash of the log of openings and check each links to the one before."

    def handle(self, *args, **options):
        broken = openings.verify()
        if broken is not None:
            self.stderr.write(f"The chain breaks at entry {broken}: it, or the one before it, was changed.")
            raise SystemExit(1)
        head = openings.head()
        count = Opening.objects.count()
        last = f"; head {head['seq']}: {head['hash']}" if head else ""
        self.stdout.write(f"{count} entries, the chain holds{last}")
