"""Rebuild the Redis copy of every queue's order from PostgreSQL: after a Redis loss or a bulk load."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from queues import ranks


class Command(BaseCommand):
    help = "Rebuild the Redis sorted sets of queue ranks from PostgreSQL (after a Redis loss or a bulk load)."

    def handle(self, *args, **options):
        if not settings.QUEUE_RANKS_REDIS_URL:
            self.stdout.write("QUEUE_RANKS_REDIS_URL is empty: positions are counted in PostgreSQL.")
            return
        queues = ranks.rebuild_all()
        if ranks.client() is None:
            raise CommandError("Redis failed or is unreachable: run the command again when it is back.")
        self.stdout.write(f"Rebuilt the ranks of {queues} queues.")
