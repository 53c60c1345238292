"""Kindergartens' reports of free places: each one included in a draft bulletin or declined, with a reason."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import Action
from core.admin import ScopedAdmin, ServiceActions, posted
from core.errors import DomainError
from core.forms import error_text

from .. import services
from ..choices import ReportState
from ..errors import BulletinPublished, ReportAlreadyDecided, ReportNotIncluded
from .forms import ConfirmForm, DeclineForm, IncludeForm


class VacancyReportAdmin(ServiceActions, ScopedAdmin):
    """Kindergartens' reports of free places (and places back from annulled referrals), pending first."""

    read_only = True
    list_display = (
        "kindergarten",
        "group_name",
        "places",
        "state",
        "source",
        "reported_at",
        "bulletin",
        "decision_links",
    )
    list_select_related = ("group__kindergarten__settlement", "reported_by", "bulletin__district")
    list_filter = ("state",)
    actions = ["include_in_bulletin"]
    fields = (
        "group",
        "places",
        "source",
        "reported_at",
        "state",
        "bulletin",
        "decided_by",
        "decided_at",
        "decline_reason",
    )
    readonly_fields = fields
    change_form_template = "admin/bulletins/vacancyreport/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("group__kindergarten__settlement")

    def get_ordering(self, request):
        pending_first = Case(When(state=ReportState.PENDING, then=Value(0)), default=Value(1))
        return [pending_first.asc(), "-reported_at"]

    @admin.display(description=_("kindergarten"), ordering="group__kindergarten__name_kk")
    def kindergarten(self, report):
        return report.group.kindergarten

    @admin.display(description=_("group"), ordering="group__name")
    def group_name(self, report):
        return f"{report.group.name} · {report.group.birth_year}"

    @admin.display(description=_("source"))
    def source(self, report):
        if report.reported_by_id is None:
            return gettext("A place back from an annulled referral")
        return gettext("Reported by %(user)s") % {"user": report.reported_by}

    @admin.display(description=_("decision"))
    def decision_links(self, report):
        """Shown by state: everyone in this admin who sees a report may decide it (views check again)."""
        if report.state == ReportState.INCLUDED and not report.bulletin.is_published:
            return format_html(
                '<a href="{}">{}</a>',
                reverse("admin:bulletins_vacancyreport_take_back", args=[report.pk]),
                gettext("Take back from the draft"),
            )
        if report.state != ReportState.PENDING:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:bulletins_vacancyreport_include", args=[report.pk]),
            gettext("Include in a bulletin"),
            reverse("admin:bulletins_vacancyreport_decline", args=[report.pk]),
            gettext("Decline"),
        )

    def get_urls(self):
        return [
            self.object_url("include", "include", self.include_view),
            self.object_url("decline", "decline", self.decline_view),
            self.object_url("take-back", "take_back", self.take_back_view),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report = self.get_object(request, unquote(object_id))
        context = {
            "may_decide": report.state == ReportState.PENDING and self.may_act(request, report),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def include_view(self, request, object_id):
        report = self.object_to_act_on(request, object_id)
        if report.state != ReportState.PENDING:
            messages.info(request, ReportAlreadyDecided().message)
            return redirect(self.change_url(report))
        district_id = report.group.kindergarten.settlement.district_id
        form = IncludeForm(
            request.user,
            [district_id],
            posted(request),
            initial={"bulletin": request.GET.get("bulletin")} if request.GET.get("bulletin") else None,
        )
        if not form.fields["bulletin"].queryset.exists():
            messages.warning(
                request,
                gettext(
                    "There is no draft bulletin in this district yet. Start one, then include the report."
                ),
            )
            return redirect(reverse("admin:bulletins_bulletin_add") + f"?district={district_id}")

        def include(data):
            services.include_report(bulletin=data["bulletin"], report=report, actor=request.user)
            return data["bulletin"]

        response = self.submit(
            request,
            form,
            include,
            done=lambda bulletin: (
                gettext("%(places)s places of %(group)s are in %(bulletin)s.")
                % {"places": report.places, "group": report.group, "bulletin": bulletin}
            ),
            then=self.bulletin_url,
        )
        return response or self.action_form_page(
            request,
            title=gettext("Include a report in a bulletin"),
            intro=gettext(
                "The report's places are added to the draft bulletin, to the row of the same group if it "
                "is there already. They are offered to parents once the bulletin is published."
            ),
            subject=f"{report.group} · {report.places}",
            form=form,
            submit_label=gettext("Include in the bulletin"),
            cancel_url=self.change_url(report),
        )

    def decline_view(self, request, object_id):
        report = self.object_to_act_on(request, object_id)
        if report.state != ReportState.PENDING:
            messages.info(request, ReportAlreadyDecided().message)
            return redirect(self.change_url(report))
        form = DeclineForm(posted(request))
        response = self.submit(
            request,
            form,
            lambda data: services.decline_report(report=report, actor=request.user, reason=data["reason"]),
            done=gettext("The report is declined; the kindergarten sees why."),
            then=reverse("admin:bulletins_vacancyreport_changelist"),
        )
        return response or self.action_form_page(
            request,
            title=gettext("Decline a report of free places"),
            intro=gettext(
                "The places will not go into a bulletin. Say why: the kindergarten reads the reason."
            ),
            subject=f"{report.group} · {report.places}",
            form=form,
            submit_label=gettext("Decline the report"),
            cancel_url=self.change_url(report),
        )

    def take_back_view(self, request, object_id):
        """Ask before taking an included report's places back out of its draft bulletin."""
        report = self.object_to_act_on(request, object_id)
        if report.state != ReportState.INCLUDED:
            messages.info(request, ReportNotIncluded().message)
            return redirect(self.change_url(report))
        if report.bulletin.is_published:
            messages.error(request, BulletinPublished().message)
            return redirect(self.change_url(report))
        form = ConfirmForm(posted(request))
        response = self.submit(
            request,
            form,
            lambda _data: services.take_back_report(report=report, actor=request.user),
            done=gettext(
                "The report is back among those awaiting review; %(bulletin)s no longer holds its places."
            )
            % {"bulletin": report.bulletin},
            then=self.change_url(report),
        )
        return response or self.action_form_page(
            request,
            title=gettext("Take a report back from a draft bulletin"),
            intro=gettext(
                "The report's %(places)s places leave %(bulletin)s, and the report awaits review again: "
                "include it in a bulletin or decline it."
            )
            % {"places": report.places, "bulletin": report.bulletin},
            subject=f"{report.group} · {report.places}",
            form=form,
            submit_label=gettext("Take the report back"),
            cancel_url=self.change_url(report),
        )

    @admin.action(description=_("Include the selected reports in a draft bulletin"))
    def include_in_bulletin(self, request, queryset):
        """One draft bulletin for several pending reports; each one is its own use case (and refusal)."""
        reports = list(
            self.restricted(queryset, request.user, Action.CHANGE)
            .filter(state=ReportState.PENDING)
            .select_related("group__kindergarten__settlement")
            .order_by("reported_at")
        )
        if not reports:
            messages.warning(request, gettext("None of the selected reports awaits review."))
            return None
        district_ids = {report.group.kindergarten.settlement.district_id for report in reports}
        form = IncludeForm(request.user, district_ids, request.POST if "apply" in request.POST else None)
        if form.is_valid():
            bulletin = form.cleaned_data["bulletin"]
            included = 0
            for report in reports:
                try:
                    services.include_report(bulletin=bulletin, report=report, actor=request.user)
                except (ValidationError, DomainError) as error:
                    messages.error(request, f"{report.group} · {report.places}: {error_text(error)}")
                else:
                    included += 1
            if included:
                messages.success(
                    request,
                    gettext("%(count)s reports are included in %(bulletin)s.")
                    % {"count": included, "bulletin": bulletin},
                )
            return redirect(self.bulletin_url(bulletin))
        return self.admin_page(
            request,
            "admin/bulletins/vacancyreport/include_selected.html",
            title=gettext("Include reports in a bulletin"),
            reports=reports,
            form=form,
            no_drafts=not form.fields["bulletin"].queryset.exists(),
            action_name="include_in_bulletin",
        )

    def bulletin_url(self, bulletin) -> str:
        """Where a report's places went: the bulletin's page."""
        return reverse("admin:bulletins_bulletin_change", args=[bulletin.pk])
