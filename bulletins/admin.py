"""Vacancy bulletins for the education department: reports, drafts, publication (RULES.md section 5).

Every write is a service of ``bulletins.services`` behind a page of its own (a
small form or a confirmation); the Django change form edits nothing. So a
published bulletin is read-only everywhere here, as the rule wants: its page
shows what became of each place and the access it opened, and the only thing
left to do with it is withdraw places nobody took. A refusal of a service
comes back as an error on the form or as a message, never as a server error.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, Q, Sum, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import Action
from applications.forms import add_service_error
from core import clock
from core.admin import ScopedAdmin, ScopedTabularInline, remembered, uses_admin
from core.dates import format_date, last_day
from core.errors import DomainError
from directory.models import District, Group
from queues.models import Queue

from . import selectors, services
from .choices import AccessStatus, BulletinStatus, ReportState
from .errors import AugustFreeze, BulletinPublished, EmptyBulletin, ReportAlreadyDecided
from .models import Access, Bulletin, BulletinPlace, VacancyReport

ACTION_FORM_TEMPLATE = "admin/applications/action_form.html"

# --- forms: the shape of the input only; the rules are the services' ---------------------------------


def group_label(group: Group) -> str:
    return gettext("%(group)s · born %(year)s · %(language)s · %(kind)s · %(capacity)s places in all") % {
        "group": group,
        "year": group.birth_year,
        "language": group.get_language_display(),
        "kind": group.get_kind_display(),
        "capacity": group.capacity,
    }


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, group):
        return group_label(group)


class DraftChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, bulletin):
        return gettext("%(bulletin)s, started %(date)s") % {
            "bulletin": bulletin,
            "date": format_date(bulletin.created_at),
        }


class NewBulletinForm(forms.Form):
    required_css_class = "required"

    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.none())

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        districts = District.objects.restrict(user, Action.CHANGE)
        self.fields["district"].queryset = districts
        if len(districts) == 1:
            self.fields["district"].initial = districts[0].pk


class PlaceForm(forms.Form):
    required_css_class = "required"

    group = GroupChoiceField(label=_("Group"), queryset=Group.objects.none())
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=999)

    def __init__(self, bulletin: Bulletin, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = (
            Group.objects.restrict(user, Action.CHANGE)
            .filter(kindergarten__settlement__district=bulletin.district_id)
            .select_related("kindergarten")
            .order_by("kindergarten__name_kk", "birth_year", "name")
        )


class IncludeForm(forms.Form):
    required_css_class = "required"

    bulletin = DraftChoiceField(
        label=_("Draft bulletin"),
        queryset=Bulletin.objects.none(),
        help_text=_("Only draft bulletins of the report's district are offered."),
    )

    def __init__(self, user, district_ids, *args, **kwargs):
        super().__init__(*args, **kwargs)
        drafts = (
            Bulletin.objects.restrict(user, Action.CHANGE)
            .filter(status=BulletinStatus.DRAFT, district_id__in=district_ids)
            .select_related("district")
        )
        self.fields["bulletin"].queryset = drafts
        if "bulletin" not in self.initial and len(drafts) == 1:
            self.fields["bulletin"].initial = drafts[0].pk


class DeclineForm(forms.Form):
    required_css_class = "required"

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("The kindergarten will read it."),
    )


class WithdrawForm(forms.Form):
    required_css_class = "required"

    places = forms.IntegerField(label=_("Places to withdraw"), min_value=1, initial=1)

    def __init__(self, place: BulletinPlace, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["places"].max_value = place.free
        self.fields["places"].widget.attrs["max"] = place.free


def error_text(error: Exception) -> str:
    """A service's refusal as one sentence for a message."""
    if isinstance(error, DomainError):
        return str(error.message)
    return " ".join(error.messages)


def action_form(request, model_admin, *, title, intro, subject, form, submit_label, cancel_url):
    """A form page in the admin's look, shared with the applications desk."""
    return TemplateResponse(
        request,
        ACTION_FORM_TEMPLATE,
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "subject": subject,
            "form": form,
            "submit_label": submit_label,
            "cancel_url": cancel_url,
            "opts": model_admin.opts,
        },
    )


def window(end) -> dict:
    """The end of a priority window, and its last day (it ends at midnight Asia/Almaty after that day)."""
    if end is None:
        return {"window_end": None, "window_last_day": None}
    return {"window_end": end, "window_last_day": last_day(end)}


def publish_refusal(places, *, now):
    """Why ``publish_bulletin`` would refuse now, shown before anyone presses the button."""
    if services.in_august_freeze(now):
        return AugustFreeze().message
    if not places:
        return EmptyBulletin().message
    return None


def _published(obj) -> bool:
    return isinstance(obj, Bulletin) and obj.is_published


class ActsThroughServices:
    """Who may call the services of these pages: staff of the admin with the record in their change scope."""

    def may_act(self, request, obj) -> bool:
        return uses_admin(request.user) and self.in_scope(request, obj, Action.CHANGE)

    def object_to_act_on(self, request, object_id):
        """The record, 404 outside the view scope, 403 inside it without the right to change it."""
        obj = self.get_object(request, unquote(object_id))
        if not self.may_act(request, obj):
            raise PermissionDenied
        return obj

    def change_url(self, obj) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])

    def own_url(self, route: str, name: str, view):
        """``<object_id>/<route>/``, named ``admin:<app>_<model>_<name>``."""
        info = self.opts.app_label, self.opts.model_name
        return path(
            f"<path:object_id>/{route}/", self.admin_site.admin_view(view), name=f"{info[0]}_{info[1]}_{name}"
        )


# --- vacancy reports -----------------------------------------------------------------------------


@admin.register(VacancyReport)
class VacancyReportAdmin(ActsThroughServices, ScopedAdmin):
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
            self.own_url("include", "include", self.include_view),
            self.own_url("decline", "decline", self.decline_view),
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
            request.POST if request.method == "POST" else None,
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
        if form.is_valid():
            bulletin = form.cleaned_data["bulletin"]
            try:
                services.include_report(bulletin=bulletin, report=report, actor=request.user)
            except (ValidationError, DomainError) as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    gettext("%(places)s places of %(group)s are in %(bulletin)s.")
                    % {"places": report.places, "group": report.group, "bulletin": bulletin},
                )
                return redirect("admin:bulletins_bulletin_change", bulletin.pk)
        return action_form(
            request,
            self,
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
        form = DeclineForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                services.decline_report(report=report, actor=request.user, reason=form.cleaned_data["reason"])
            except (ValidationError, DomainError) as error:
                add_service_error(form, error)
            else:
                messages.success(request, gettext("The report is declined; the kindergarten sees why."))
                return redirect("admin:bulletins_vacancyreport_changelist")
        return action_form(
            request,
            self,
            title=gettext("Decline a report of free places"),
            intro=gettext(
                "The places will not go into a bulletin. Say why: the kindergarten reads the reason."
            ),
            subject=f"{report.group} · {report.places}",
            form=form,
            submit_label=gettext("Decline the report"),
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
            return redirect("admin:bulletins_bulletin_change", bulletin.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Include reports in a bulletin"),
            "opts": self.opts,
            "reports": reports,
            "form": form,
            "no_drafts": not form.fields["bulletin"].queryset.exists(),
            "action_name": "include_in_bulletin",
        }
        return TemplateResponse(request, "admin/bulletins/vacancyreport/include_selected.html", context)


# --- bulletins -------------------------------------------------------------------------------------


class BulletinPlaceInline(ScopedTabularInline):
    """The places of a bulletin with what became of them; never edited here (``read_only``)."""

    model = BulletinPlace
    fields = (
        "group",
        "group_language",
        "queue",
        "places",
        "taken",
        "withdrawn",
        "released",
        "free_places",
        "withdraw_link",
    )
    readonly_fields = (
        "group_language",
        "queue",
        "taken",
        "withdrawn",
        "released",
        "free_places",
        "withdraw_link",
    )
    read_only = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("bulletin", "group__kindergarten", "queue__settlement")
        )

    def has_add_permission(self, request, obj=None):
        return not _published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _published(obj) and super().has_change_permission(request, obj)

    @admin.display(description=_("language"))
    def group_language(self, place):
        return place.group.get_language_display()

    @admin.display(description=_("free"))
    def free_places(self, place):
        return place.free

    @admin.display(description=_("withdraw"))
    def withdraw_link(self, place):
        """Shown by state: everyone who sees a bulletin in this admin may withdraw (the view checks again)."""
        if not place.bulletin.is_published or place.free <= 0:
            return "—"
        url = reverse("admin:bulletins_bulletin_withdraw", args=[place.bulletin_id, place.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Withdraw free places"))


@admin.register(Bulletin)
class BulletinAdmin(ActsThroughServices, ScopedAdmin):
    """Draft bulletins grow through ``add_place`` and ``include_report``; publication is a page of its own."""

    read_only = True
    list_display = ("__str__", "district", "status", "total_places", "published_at", "priority_until")
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
    readonly_fields = fields
    inlines = [BulletinPlaceInline]
    change_form_template = "admin/bulletins/bulletin/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(total=Sum("places__places"))

    @admin.display(description=_("places"), ordering="total")
    def total_places(self, bulletin):
        return bulletin.total or 0

    def has_add_permission(self, request):
        """The add page starts a draft (``create_bulletin``): for staff who may change some district."""
        if not uses_admin(request.user):
            return False
        return remembered(
            request, ("may start bulletins",), District.objects.restrict(request.user, Action.CHANGE).exists
        )

    def has_change_permission(self, request, obj=None):
        return not _published(obj) and super().has_change_permission(request, obj)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            self.own_url("add-place", "add_place", self.add_place_view),
            self.own_url("publish", "publish", self.publish_view),
            path(
                "<path:object_id>/places/<int:place_id>/withdraw/",
                self.admin_site.admin_view(self.withdraw_view),
                name="%s_%s_withdraw" % info,
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"district": request.GET["district"]} if request.GET.get("district") else None
        form = NewBulletinForm(
            request.user, request.POST if request.method == "POST" else None, initial=initial
        )
        if form.is_valid():
            try:
                bulletin = services.create_bulletin(
                    district=form.cleaned_data["district"], actor=request.user
                )
            except (ValidationError, DomainError) as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    gettext("A draft bulletin is started. Add places, or include reports of free places."),
                )
                return redirect(self.change_url(bulletin))
        return action_form(
            request,
            self,
            title=gettext("Start a vacancy bulletin"),
            intro=gettext(
                "A draft bulletin collects free places of one district's kindergartens. Nobody sees it "
                "until it is published."
            ),
            subject=gettext("New bulletin"),
            form=form,
            submit_label=gettext("Start the draft"),
            cancel_url=reverse("admin:bulletins_bulletin_changelist"),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        bulletin = self.get_object(request, unquote(object_id))
        may_act = self.may_act(request, bulletin)
        context = {
            "may_act": may_act,
            "pending_reports": None,
            **window(bulletin.priority_until),
            **(extra_context or {}),
        }
        if bulletin.is_published:
            context["access_rows"] = access_counts(bulletin)
        elif may_act:
            context["pending_reports"] = selectors.pending_reports(request.user).filter(
                group__kindergarten__settlement__district=bulletin.district_id
            )
        return super().change_view(request, object_id, form_url, extra_context=context)

    def add_place_view(self, request, object_id):
        bulletin = self.object_to_act_on(request, object_id)
        if bulletin.is_published:
            messages.error(request, BulletinPublished().message)
            return redirect(self.change_url(bulletin))
        form = PlaceForm(bulletin, request.user, request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                place = services.add_place(
                    bulletin=bulletin,
                    group=form.cleaned_data["group"],
                    places=form.cleaned_data["places"],
                    actor=request.user,
                )
            except (ValidationError, DomainError) as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    gettext("%(group)s now offers %(places)s places in this bulletin.")
                    % {"group": place.group, "places": place.places},
                )
                return redirect(self.change_url(bulletin))
        return action_form(
            request,
            self,
            title=gettext("Add places to %(bulletin)s") % {"bulletin": bulletin},
            intro=gettext(
                "Places of a group already in the bulletin are added to its row. The group decides the "
                "queue: its settlement, birth year and kind."
            ),
            subject=bulletin,
            form=form,
            submit_label=gettext("Add the places"),
            cancel_url=self.change_url(bulletin),
        )

    def publish_view(self, request, object_id):
        """Ask before publishing: it cannot be undone, and access opens to parents right after."""
        bulletin = self.object_to_act_on(request, object_id)
        if bulletin.is_published:
            messages.info(request, gettext("This bulletin is already published."))
            return redirect(self.change_url(bulletin))
        if request.method == "POST":
            try:
                services.publish_bulletin(bulletin=bulletin, actor=request.user)
            except (ValidationError, DomainError) as error:
                messages.error(request, error_text(error))
                return redirect(self.change_url(bulletin))
            messages.success(
                request,
                gettext(
                    "%(bulletin)s is published. Access opens to the first applicants of each queue in a "
                    "moment; their parents are told by SMS."
                )
                % {"bulletin": bulletin},
            )
            return redirect(self.change_url(bulletin))
        now = clock.now()
        places = list(
            bulletin.places.select_related("group__kindergarten", "queue__settlement").order_by(
                "group__kindergarten__name_kk", "group__name"
            )
        )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Publish %(bulletin)s?") % {"bulletin": bulletin},
            "opts": self.opts,
            "bulletin": bulletin,
            "places": places,
            "total": sum(place.places for place in places),
            "queues": len({place.queue_id for place in places}),
            **window(services.priority_window_end(now)),
            "refusal": publish_refusal(places, now=now),
            "cancel_url": self.change_url(bulletin),
        }
        return TemplateResponse(request, "admin/bulletins/bulletin/publish.html", context)

    def withdraw_view(self, request, object_id, place_id):
        bulletin = self.object_to_act_on(request, object_id)
        place = get_object_or_404(
            BulletinPlace.objects.select_related("group__kindergarten"), pk=place_id, bulletin=bulletin
        )
        if not bulletin.is_published or place.free <= 0:
            messages.info(request, gettext("This place has no free places to withdraw."))
            return redirect(self.change_url(bulletin))
        form = WithdrawForm(place, request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                services.withdraw_place(place=place, actor=request.user, places=form.cleaned_data["places"])
            except (ValidationError, DomainError) as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    gettext("%(places)s places of %(group)s are withdrawn.")
                    % {"places": form.cleaned_data["places"], "group": place.group},
                )
                return redirect(self.change_url(bulletin))
        return action_form(
            request,
            self,
            title=gettext("Withdraw places nobody took"),
            intro=gettext(
                "Withdrawn places are no longer offered to parents. Places already taken cannot be "
                "withdrawn. %(free)s of %(places)s places of this group are free."
            )
            % {"free": place.free, "places": place.places},
            subject=f"{bulletin} · {place.group}",
            form=form,
            submit_label=gettext("Withdraw"),
            cancel_url=self.change_url(bulletin),
        )


def access_counts(bulletin: Bulletin) -> list[dict]:
    """Per queue that gained places: places gained and the accesses opened, by what became of them."""
    gained = dict(
        BulletinPlace.objects.filter(bulletin=bulletin)
        .values_list("queue_id")
        .annotate(total=Sum("places"))
        .order_by()
    )
    opened = {
        row["queue_id"]: row
        for row in Access.objects.filter(bulletin=bulletin)
        .values("queue_id")
        .annotate(
            opened=Count("pk"),
            still_open=Count("pk", filter=Q(status=AccessStatus.OPEN)),
            used=Count("pk", filter=Q(status=AccessStatus.USED)),
            ended=Count("pk", filter=Q(status=AccessStatus.ENDED)),
        )
        .order_by()
    }
    queues = Queue.objects.select_related("settlement").in_bulk(list(gained))
    empty = {"opened": 0, "still_open": 0, "used": 0, "ended": 0}
    return [
        {"queue": queues[queue_id], "gained": gained[queue_id], **{**empty, **opened.get(queue_id, {})}}
        for queue_id in sorted(gained)
    ]


@admin.register(Access)
class AccessAdmin(ScopedAdmin):
    read_only = True
    list_display = ("application", "bulletin", "queue", "position", "status", "opened_at", "ends_at")
    list_select_related = ("application", "bulletin", "queue__settlement")
    list_filter = ("status",)
    search_fields = ("application__number",)
