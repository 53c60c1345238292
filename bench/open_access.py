"""Time ``bulletins.services.open_access`` for 25,000 places across 5,000 queues (issue 7).

Run it against a throwaway copy of a database filled by ``generate_national_dataset``: it commits.

    createdb -T kezek_bench kezek_bench_run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kezek_bench_run python -m bench.open_access

It publishes one bulletin per district holding 5 places in each of the 5,000 queues with the most
standing entries that have a group, then times ``open_access`` over all of them until it returns,
which is when every access is committed and every notice handed to the outbox.
"""

import os
import resource
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kindergarten_queue.settings")
    os.environ.setdefault("DJANGO_ENV", "development")
    os.environ.setdefault("AUGUST_FREEZE", "false")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Q

    from accounts.choices import Role
    from accounts.models import User
    from bulletins import services
    from bulletins.models import Access, Bulletin, BulletinPlace
    from core import clock
    from directory.models import Group
    from queues.models import Queue

    queues, places_per_queue = 5_000, 5
    now = clock.now()
    groups = {}
    for group in Group.objects.select_related("kindergarten__settlement").order_by("pk"):
        groups.setdefault((group.kindergarten.settlement_id, group.birth_year, group.kind), group)
    ranked = (
        Queue.objects.annotate(n=Count("entries", filter=Q(entries__left_at__isnull=True)))
        .filter(n__gte=1)
        .order_by("-n", "pk")
    )
    chosen = [
        (queue, groups[key])
        for queue in ranked
        if (key := (queue.settlement_id, queue.birth_year, queue.kind)) in groups
    ][:queues]
    specialists = {user.districts.first().pk: user for user in User.objects.filter(role=Role.SPECIALIST)}
    bulletins: dict[int, Bulletin] = {}
    rows = []
    for queue, group in chosen:
        district_id = group.kindergarten.settlement.district_id
        if district_id not in bulletins:
            bulletins[district_id] = Bulletin.objects.create(
                district_id=district_id, created_by=specialists[district_id], created_at=now
            )
        places = min(places_per_queue, group.capacity)
        rows.append(BulletinPlace(bulletin=bulletins[district_id], group=group, queue=queue, places=places))
    BulletinPlace.objects.bulk_create(rows)
    for district_id, bulletin in bulletins.items():
        services.publish_bulletin(bulletin=bulletin, actor=specialists[district_id], now=now)
    total = sum(row.places for row in rows)
    entries = sum(queue.n for queue, _group in chosen)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    connection.queries_log.clear()
    started = time.monotonic()
    opened = sum(services.open_access(bulletin_id=bulletin.pk, now=now) for bulletin in bulletins.values())
    seconds = time.monotonic() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rerun_started = time.monotonic()
    again = sum(services.open_access(bulletin_id=bulletin.pk, now=now) for bulletin in bulletins.values())
    rerun = time.monotonic() - rerun_started

    print(
        f"{total:,} places in {len(chosen):,} queues "
        f"({entries:,} standing entries, {len(bulletins)} bulletins)\n"
        f"open_access: {opened:,} accesses opened and their notices enqueued in {seconds:.2f} s; "
        f"peak RSS {rss_before // 1024} MB -> {rss_after // 1024} MB\n"
        f"rerun: {again} more in {rerun:.2f} s; accesses in the database: "
        f"{Access.objects.filter(bulletin__in=bulletins.values()).count():,}"
    )


if __name__ == "__main__":
    main()
