"""Referrals for the education department: read-only, with the out-of-turn benefit check (RULES.md 1, 5).

No admin page, action or form takes or extends a referral: that is the
parent's alone, superusers included (``has_add_permission`` is False, there
are no actions). The one decision made here is the department's: confirming
or refusing the out-of-turn benefit a referral waits for, through
``services.confirm_referral_benefit`` / ``refuse_referral_benefit``.
Enrolment belongs to the kindergarten's own desk (``placements.desk``).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from applications.admin import may_act_on
from applications.forms import ReasonForm
from core import clock
from core.admin import ScopedAdmin, ServiceActions, posted

from . import services
from .choices import ReferralStatus
from .export_views import ExportViews
from .models import Enrolment, Referral, StopListEntry


class ExpiringTodayFilter(admin.SimpleListFilter):
    """Issued referrals whose last day of validity (extension included) is today in Almaty."""

    title = _("valid through")
    parameter_name = "valid_through"

    def lookups(self, request, model_admin):
        return [("today", _("Expires today"))]

    def queryset(self, request, queryset):
        if self.value() != "today":
            return queryset
        return queryset.annotate(through=Coalesce("extended_until", "valid_until")).filter(
            status=ReferralStatus.ISSUED, through=clock.today()
        )


@admin.register(Referral)
class ReferralAdmin(ExportViews, ServiceActions, ScopedAdmin):
    read_only = True
    list_display = (
        "display_number",
        "child",
        "kindergarten",
        "group_name",
        "status",
        "issued_at",
        "valid_through",
    )
    list_select_related = ("child", "kindergarten", "group")
    list_filter = ("status", ExpiringTodayFilter)
    search_fields = ("number", "application__number", "child__iin")
    fields = (
        "referral_number",
        "status",
        "reason",
        "application_link",
        "child",
        "kindergarten",
        "group",
        "out_of_turn",
        "issued_at",
        "valid_until",
        "extended_until",
        "status_changed_at",
    )
    readonly_fields = fields
    change_form_template = "admin/placements/referral/change_form.html"
    change_list_template = "admin/placements/referral/change_list.html"

    @admin.display(description=_("referral number"), ordering="number")
    def display_number(self, referral):
        return referral.display_number

    @admin.display(description=_("referral number"))
    def referral_number(self, referral):
        return referral.display_number

    @admin.display(description=_("group"), ordering="group__name")
    def group_name(self, referral):
        return referral.group.name

    @admin.display(description=_("valid through"), ordering="valid_until")
    def valid_through(self, referral):
        return referral.valid_through

    @admin.display(description=_("application"))
    def application_link(self, referral):
        url = reverse("admin:applications_application_change", args=[referral.application_id])
        return format_html('<a href="{}">{}</a>', url, referral.application.display_number)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application", "child", "kindergarten", "group")

    def get_urls(self):
        return [
            *self.export_urls(),
            self.object_url("confirm-benefit", "confirm_benefit", self.confirm_benefit_view),
            self.object_url("refuse-benefit", "refuse_benefit", self.refuse_benefit_view),
            self.object_url("enrol", "enrol", self.enrol_view),
            *super().get_urls(),
        ]

    def may_act(self, request, referral) -> bool:
        return may_act_on(request, referral.application)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        referral = self.get_object(request, unquote(object_id))
        context = {
            "may_decide": self._may_decide(request, referral),
            "may_enrol": self._may_enrol(request, referral),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def enrol_view(self, request, object_id):
        """The department registers enrolment, as the kindergarten does on its desk (RULES.md section 1)."""
        referral = self.object_to_act_on(request, object_id)
        form = forms.Form(posted(request))
        response = self.submit(
            request,
            form,
            lambda data: services.register_enrolment(referral=referral, actor=request.user),
            done=gettext("Enrolment is registered: the child has left every queue."),
            then=self.change_url(referral),
        )
        return response or self.action_form_page(
            request,
            title=gettext("Register enrolment"),
            intro=gettext(
                "The child was admitted to %(kindergarten)s on this referral. The application becomes "
                "enrolled and leaves every queue; this cannot be undone."
            )
            % {"kindergarten": referral.kindergarten},
            subject=referral,
            form=form,
            submit_label=gettext("Register enrolment"),
            cancel_url=self.change_url(referral),
        )

    def confirm_benefit_view(self, request, object_id):
        return self._decision(
            request,
            object_id,
            forms.Form,
            decide=lambda referral, data: services.confirm_referral_benefit(
                referral=referral, actor=request.user
            ),
            title=gettext("Confirm the out-of-turn benefit"),
            intro=gettext(
                "The referral becomes valid and the kindergarten sees it. It needs a fresh employer "
                "certificate: an out-of-turn benefit document issued within the last month and confirmed "
                "on the application's page."
            ),
            submit_label=gettext("Confirm the benefit"),
            done=gettext("The benefit is confirmed: the referral is issued and the kindergarten sees it."),
        )

    def refuse_benefit_view(self, request, object_id):
        return self._decision(
            request,
            object_id,
            ReasonForm,
            decide=lambda referral, data: services.refuse_referral_benefit(
                referral=referral, actor=request.user, reason=data["reason"]
            ),
            title=gettext("Refuse the out-of-turn benefit"),
            intro=gettext(
                "The referral is cancelled and its place returns to the bulletin. The out-of-turn benefit "
                "no longer counts, and the child returns to the queue with its original submission time."
            ),
            submit_label=gettext("Refuse the benefit"),
            done=gettext(
                "The benefit is refused: the referral is cancelled and the child is back in the queue."
            ),
        )

    def _may_enrol(self, request, referral) -> bool:
        """The department's specialists register enrolment too (``services.register_enrolment`` says who)."""
        return (
            referral.status == ReferralStatus.ISSUED
            and request.user.role == Role.SPECIALIST
            and self.may_act(request, referral)
        )

    def _may_decide(self, request, referral) -> bool:
        return referral.status == ReferralStatus.AWAITING_CONFIRMATION and self.may_act(request, referral)

    def _decision(self, request, object_id, form_class, *, decide, title, intro, submit_label, done):
        referral = self.object_to_act_on(request, object_id)
        if referral.status != ReferralStatus.AWAITING_CONFIRMATION:
            messages.info(request, gettext("This referral is not waiting for a benefit to be confirmed."))
            return redirect(self.change_url(referral))
        form = form_class(posted(request))
        response = self.submit(
            request, form, lambda data: decide(referral, data), done=done, then=self.change_url(referral)
        )
        return response or self.admin_page(
            request,
            "admin/placements/referral/decision.html",
            title=title,
            intro=intro,
            referral=referral,
            documents=referral.application.benefit_documents.filter(
                category__in=services.OUT_OF_TURN_CATEGORIES
            ).order_by("-issued_on"),
            form=form,
            submit_label=submit_label,
            cancel_url=self.change_url(referral),
        )


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
