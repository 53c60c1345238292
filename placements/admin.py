"""Referrals for staff: read-only. No admin page, action or form takes a referral (RULES.md section 1).

Taking and extending a referral belong to the parent alone; enrolment and the
benefit check are services with screens of their own (issue 4, pages).
"""

from django.contrib import admin

from core.admin import ScopedAdmin

from .models import Enrolment, Referral, StopListEntry


@admin.register(Referral)
class ReferralAdmin(ScopedAdmin):
    read_only = True
    list_display = ("display_number", "child", "kindergarten", "group", "status", "issued_at", "valid_until")
    list_select_related = ("child", "kindergarten", "group")
    list_filter = ("status",)
    search_fields = ("number", "application__number", "child__iin")
    exclude = ("verification_code",)


@admin.register(Enrolment)
class EnrolmentAdmin(ScopedAdmin):
    read_only = True
    list_display = ("referral", "enrolled_at", "registered_by")
    list_select_related = ("referral", "registered_by")


@admin.register(StopListEntry)
class StopListEntryAdmin(ScopedAdmin):
    read_only = True
    list_display = ("application", "referral", "starts_at", "ends_at", "lifted_at")
    list_select_related = ("application", "referral")
