"""Bulletins for staff: read-only registration for now; the specialist's screens build on ``services``.

A published bulletin is never edited (RULES.md section 5): whatever screens
are added later, its page and its places refuse changes here too, not only in
the services.
"""

from django.contrib import admin

from core.admin import ScopedAdmin, ScopedTabularInline

from .models import Access, Bulletin, BulletinPlace, VacancyReport


class BulletinPlaceInline(ScopedTabularInline):
    model = BulletinPlace
    fields = ("group", "queue", "places", "taken", "withdrawn", "released")
    readonly_fields = ("queue", "taken", "withdrawn", "released")
    read_only = True

    def has_add_permission(self, request, obj=None):
        return not _published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _published(obj) and super().has_change_permission(request, obj)


@admin.register(Bulletin)
class BulletinAdmin(ScopedAdmin):
    read_only = True
    list_display = ("__str__", "district", "status", "published_at", "priority_until")
    list_select_related = ("district",)
    list_filter = ("status", ("district", admin.RelatedOnlyFieldListFilter))
    fields = (
        "district",
        "status",
        "created_by",
        "created_at",
        "published_by",
        "published_at",
        "priority_until",
    )
    inlines = [BulletinPlaceInline]

    def has_change_permission(self, request, obj=None):
        return not _published(obj) and super().has_change_permission(request, obj)


@admin.register(VacancyReport)
class VacancyReportAdmin(ScopedAdmin):
    read_only = True
    list_display = ("group", "places", "state", "reported_by", "reported_at", "bulletin")
    list_select_related = ("group__kindergarten", "reported_by", "bulletin")
    list_filter = ("state",)


@admin.register(Access)
class AccessAdmin(ScopedAdmin):
    read_only = True
    list_display = ("application", "bulletin", "queue", "position", "status", "opened_at", "ends_at")
    list_select_related = ("application", "bulletin", "queue__settlement")
    list_filter = ("status",)
    search_fields = ("application__number",)


def _published(obj) -> bool:
    return isinstance(obj, Bulletin) and obj.is_published
