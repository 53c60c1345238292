"""Reads of the directory for public pages."""

from django.db.models import Count, Prefetch, Q

from .models import Kindergarten, Settlement


def settlements_overview():
    """Settlements with their kindergartens and how many children stand in their queues."""
    return (
        Settlement.objects.select_related("district")
        .annotate(
            waiting=Count(
                "queues__entries",
                filter=Q(queues__entries__left_at__isnull=True, queues__kind="general"),
            )
        )
        .prefetch_related(Prefetch("kindergartens", queryset=Kindergarten.objects.order_by("name_kk")))
        .order_by("-waiting", "kato_code")
    )
