"""Bulletins: a draft grows place by place, is published after a look at what it opens, and is then read-only.

The only thing left to do with a published bulletin is withdraw places nobody took.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import Action
from core import clock
from core.admin import ScopedAdmin, ScopedTabularInline, ServiceActions, posted, remembered, uses_admin
from core.dates import last_day
from core.errors import DomainError
from core.forms import error_text
from directory.models import District
from queues.models import Queue

from .. import selectors, services
from ..choices import AccessStatus
from ..errors import AugustFreeze, BulletinPublished, EmptyBulletin
from ..models import Access, Bulletin, BulletinPlace
from .forms import ConfirmForm, NewBulletinForm, PlaceForm, WithdrawForm


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
        "remove_link",
    )
    readonly_fields = (
        "group_language",
        "queue",
        "taken",
        "withdrawn",
        "released",
        "free_places",
        "withdraw_link",
        "remove_link",
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

    @admin.display(description=_("remove"))
    def remove_link(self, place):
        """Only in a draft: a published bulletin is never edited (the view checks the scope again)."""
        if place.bulletin.is_published:
            return "—"
        url = reverse("admin:bulletins_bulletin_remove_place", args=[place.bulletin_id, place.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Remove from the draft"))


class BulletinAdmin(ServiceActions, ScopedAdmin):
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
        return [
            self.object_url("add-place", "add_place", self.add_place_view),
            self.object_url("publish", "publish", self.publish_view),
            self.object_url("places/<int:place_id>/withdraw", "withdraw", self.withdraw_view),
            self.object_url("places/<int:place_id>/remove", "remove_place", self.remove_place_view),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"district": request.GET["district"]} if request.GET.get("district") else None
        form = NewBulletinForm(request.user, posted(request), initial=initial)
        response = self.submit(
            request,
            form,
            lambda data: services.create_bulletin(district=data["district"], actor=request.user),
            done=gettext("A draft bulletin is started. Add places, or include reports of free places."),
            then=self.change_url,
        )
        return response or self.action_form_page(
            request,
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
        form = PlaceForm(bulletin, request.user, posted(request))
        response = self.submit(
            request,
            form,
            lambda data: services.add_place(
                bulletin=bulletin, group=data["group"], places=data["places"], actor=request.user
            ),
            done=lambda place: (
                gettext("%(group)s now offers %(places)s places in this bulletin.")
                % {"group": place.group, "places": place.places}
            ),
            then=self.change_url(bulletin),
        )
        return response or self.action_form_page(
            request,
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
        return self.admin_page(
            request,
            "admin/bulletins/bulletin/publish.html",
            title=gettext("Publish %(bulletin)s?") % {"bulletin": bulletin},
            bulletin=bulletin,
            places=places,
            total=sum(place.places for place in places),
            queues=len({place.queue_id for place in places}),
            **window(services.priority_window_end(now)),
            refusal=publish_refusal(places, now=now),
            cancel_url=self.change_url(bulletin),
        )

    def withdraw_view(self, request, object_id, place_id):
        bulletin = self.object_to_act_on(request, object_id)
        place = get_object_or_404(
            BulletinPlace.objects.select_related("group__kindergarten"), pk=place_id, bulletin=bulletin
        )
        if not bulletin.is_published or place.free <= 0:
            messages.info(request, gettext("This place has no free places to withdraw."))
            return redirect(self.change_url(bulletin))
        form = WithdrawForm(place, posted(request))
        response = self.submit(
            request,
            form,
            lambda data: services.withdraw_place(place=place, actor=request.user, places=data["places"]),
            done=lambda _place: (
                gettext("%(places)s places of %(group)s are withdrawn.")
                % {"places": form.cleaned_data["places"], "group": place.group}
            ),
            then=self.change_url(bulletin),
        )
        return response or self.action_form_page(
            request,
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

    def remove_place_view(self, request, object_id, place_id):
        """Ask before removing a group's places from a draft; its included reports await review again."""
        bulletin = self.object_to_act_on(request, object_id)
        place = get_object_or_404(
            BulletinPlace.objects.select_related("group__kindergarten"), pk=place_id, bulletin=bulletin
        )
        if bulletin.is_published:
            messages.error(request, BulletinPublished().message)
            return redirect(self.change_url(bulletin))
        form = ConfirmForm(posted(request))
        response = self.submit(
            request,
            form,
            lambda _data: services.remove_place(place=place, actor=request.user),
            done=gettext("The places of %(group)s are removed from the draft.") % {"group": place.group},
            then=self.change_url(bulletin),
        )
        return response or self.action_form_page(
            request,
            title=gettext("Remove places from the draft"),
            intro=gettext(
                "The %(places)s places of this group leave the draft bulletin. Reports of free places "
                "included in this row go back to awaiting review, to be included again or declined."
            )
            % {"places": place.places},
            subject=f"{bulletin} · {place.group}",
            form=form,
            submit_label=gettext("Remove the places"),
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
