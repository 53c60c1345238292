"""Queues and their entries for staff: read-only, since only the application use cases move an entry.

A queue's page shows the queue in order, a page at a time, with positions from
``selectors.queue_page``, the same arithmetic the portal and the API use.
"""

from django.contrib import admin
from django.db.models import Count, Q, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from core.admin import ScopedAdmin

from . import selectors
from .models import Queue, QueueEntry

QUEUE_PAGE_SIZE = 50


@admin.register(Queue)
class QueueAdmin(ScopedAdmin):
    read_only = True
    list_display = ("settlement", "birth_year", "kind", "standing_count")
    list_select_related = ("settlement",)
    list_filter = ("kind", "birth_year", ("settlement", admin.RelatedOnlyFieldListFilter))
    search_fields = ("settlement__kato_code", "settlement__name_kk", "settlement__name_ru")
    fields = ("settlement", "birth_year", "kind")
    change_form_template = "admin/queues/queue/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(standing_total=Count("entries", filter=Q(entries__left_at__isnull=True)))
        )

    @admin.display(description=_("children waiting"), ordering="standing_total")
    def standing_count(self, queue):
        return queue.standing_total

    def change_view(self, request, object_id, form_url="", extra_context=None):
        queue = self.get_object(request, object_id)
        total = selectors.class_sizes(queue.pk).total
        page_count = max(1, -(-total // QUEUE_PAGE_SIZE))
        page = _page_number(request.GET.get("page"), page_count)
        rows = selectors.queue_page(queue, offset=(page - 1) * QUEUE_PAGE_SIZE, limit=QUEUE_PAGE_SIZE)
        prefetch_related_objects([row.entry for row in rows], "application__child")
        context = {
            "queue_rows": rows,
            "queue_total": total,
            "queue_page": page,
            "queue_page_count": page_count,
            "queue_previous_page": page - 1 if page > 1 else None,
            "queue_next_page": page + 1 if page < page_count else None,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)


def _page_number(raw: str | None, page_count: int) -> int:
    try:
        page = int(raw or 1)
    except ValueError:
        return 1
    return min(max(page, 1), page_count)


@admin.register(QueueEntry)
class QueueEntryAdmin(ScopedAdmin):
    read_only = True
    list_display = (
        "application",
        "queue",
        "benefit_class",
        "submitted_at",
        "joined_at",
        "left_at",
        "left_reason",
    )
    list_select_related = ("queue__settlement", "application")
    list_filter = (
        "benefit_class",
        "left_reason",
        "queue__kind",
        ("queue__settlement", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("=application__number",)
    search_help_text = _("Search by application number (ten digits).")
    fields = ("queue", "application", "benefit_class", "submitted_at", "joined_at", "left_at", "left_reason")
