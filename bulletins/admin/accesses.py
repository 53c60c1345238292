"""The accesses a published bulletin opened: read-only, to follow who may take a place until when."""

from core.admin import ScopedAdmin


class AccessAdmin(ScopedAdmin):
    read_only = True
    list_display = ("application", "bulletin", "queue", "position", "status", "opened_at", "ends_at")
    list_select_related = ("application", "bulletin", "queue__settlement")
    list_filter = ("status",)
    search_fields = ("application__number",)
