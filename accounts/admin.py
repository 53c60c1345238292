"""Staff users and applicants in the admin.

Only national administrators and superusers manage users, so no specialist can
grant themselves a district; only a superuser makes or edits a superuser.
Applicants are read-only: their phones receive the cabinet's one-time codes
(RULES.md section 7), so changing one is a use case of its own, not a form edit.
Staff authenticator devices are never shown (their keys make codes): a
superuser resets another staff member's second factor with an audited action.
django-axes' records of sign-in attempts are shown read-only (``AXES_ENABLE_ADMIN``
is off and they are registered here): a lockout is lifted by an audited action
that keeps every row, never by deleting one (issue 15, item 2).
"""

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.admin import AccessFailureLogAdmin as AxesAccessFailureLogAdmin
from axes.admin import AccessLogAdmin as AxesAccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.admin import AnnouncesChanges, ScopedAdmin, uses_admin
from core.logging import mask

from . import second_factor, services
from .models import Applicant, OneTimeCode, User

# Permissions come from roles and districts, never from Django's permission groups.
admin.site.unregister(Group)
# django-otp's device admin would show each key; a reset is the one thing done to a device here.
admin.site.unregister(TOTPDevice)


def manages_users(user) -> bool:
    return uses_admin(user) and user.is_national_administrator


@admin.register(User)
class UserAdmin(AnnouncesChanges, DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Role and scope"), {"fields": ("role", "districts", "kindergartens")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (_("Role and scope"), {"fields": ("role", "districts", "kindergartens", "is_staff")}),
    )
    list_display = ("username", "first_name", "last_name", "role", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_active", "districts")
    search_fields = ("username", "first_name", "last_name", "email")
    filter_horizontal = ("districts",)
    autocomplete_fields = ("kindergartens",)
    readonly_fields = ("last_login", "date_joined")
    actions = ("reset_second_factor",)

    def has_module_permission(self, request):
        return manages_users(request.user)

    def has_view_permission(self, request, obj=None):
        return manages_users(request.user)

    def has_add_permission(self, request):
        return manages_users(request.user)

    def has_change_permission(self, request, obj=None):
        if not manages_users(request.user):
            return False
        return obj is None or request.user.is_superuser or not obj.is_superuser

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("reset_second_factor", None)
        return actions

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if not request.user.is_superuser:
            readonly = (*readonly, "is_superuser")
        return readonly

    @admin.action(
        description=_("Reset the second factor (lost phone): they add the app again at next sign-in")
    )
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            try:
                second_factor.reset_second_factor(user=user, actor=request.user)
            except second_factor.SecondFactorResetRefused as error:
                self.message_user(request, f"{user}: {error.message}", messages.ERROR)
            else:
                message = _("%(user)s: second factor reset and signed out everywhere.") % {"user": user}
                self.message_user(request, message, messages.SUCCESS)


@admin.register(Applicant)
class ApplicantAdmin(ScopedAdmin):
    read_only = True
    list_display = ("surname", "name", "patronymic", "iin", "phone", "created_at")
    search_fields = ("=iin", "surname")
    search_help_text = _("Search by IIN (all 12 digits) or surname.")
    fields = ("iin", "surname", "name", "patronymic", "phone", "phone2", "email", "user", "created_at")

    def restricted(self, queryset, user, action: str):
        """Through the path ``applications`` registers; once each, though a parent may hold several."""
        return queryset.restrict(user, action).distinct()


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(ScopedAdmin):
    """Whether and when a parent was sent a code, for support; never the code (only its hash exists).

    Superusers only, and the IIN and phone masked as the logs mask them (issue 15,
    item 4): a district specialist has no task that needs a row naming a parent's
    IIN, phone and address, and a superuser finds a row by the full IIN or phone
    typed into the search box without the page repeating it.
    """

    read_only = True
    list_display = (
        "created_at",
        "purpose",
        "masked_iin",
        "masked_phone",
        "deliverable",
        "failed_attempts",
        "used_at",
    )
    list_filter = ("purpose", "deliverable")
    search_fields = ("=iin", "=phone")
    search_help_text = _("Search by IIN or phone (exactly).")
    fields = (
        "purpose",
        "masked_iin",
        "masked_phone",
        "deliverable",
        "created_at",
        "expires_at",
        "failed_attempts",
        "used_at",
        "client_ip",
    )
    readonly_fields = fields

    def restricted(self, queryset, user, action: str):
        return queryset if user.is_superuser else queryset.none()

    def has_module_permission(self, request):
        return uses_admin(request.user) and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    @admin.display(description=_("IIN"), ordering="iin")
    def masked_iin(self, code: OneTimeCode) -> str:
        return mask(code.iin)

    @admin.display(description=_("phone"), ordering="phone")
    def masked_phone(self, code: OneTimeCode) -> str:
        return mask(code.phone)


class ReadOnlyAxesAdmin:
    """django-axes' pages, read-only; the site forbids delete as everywhere (``core.admin.ForbidsDelete``)."""

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccessAttempt)
class AccessAttemptAdmin(ReadOnlyAxesAdmin, AxesAccessAttemptAdmin):
    """Axes' attempts without its "clean up expired attempts" action, which deletes rows."""

    actions = ["lift_lockout"]

    def has_lift_permission(self, request) -> bool:
        return request.user.is_superuser

    @admin.action(
        description=_("Lift the lockout: sign-in allowed again, the records kept and the lifting audited"),
        permissions=["lift"],
    )
    def lift_lockout(self, request, queryset):
        lifted = services.lift_lockout(attempts=queryset, actor=request.user)
        message = ngettext(
            "Lockout lifted on %(count)d record; it is kept.",
            "Lockout lifted on %(count)d records; they are kept.",
            lifted,
        )
        self.message_user(request, message % {"count": lifted}, messages.SUCCESS)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAxesAdmin, AxesAccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(ReadOnlyAxesAdmin, AxesAccessFailureLogAdmin):
    pass
