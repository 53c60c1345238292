"""The staff admin's export pages (issue 14, item 2): behind the admin's guard, scoped, audited.

Mixed into the referrals' admin, whose URLs they extend (``admin:placements_referral_export*``):
a queue and a bulletin are found through ``restrict(user, VIEW)`` (404 outside
the user's districts, as every admin page answers); the period's referrals and
enrolments are read through the same call. Each download writes one audit event
before the first row is sent.
"""

import datetime

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import Action
from audit.services import record
from audit.vocabulary import AuditAction
from bulletins.models import Bulletin
from core import clock, exports
from core.admin import posted, uses_admin
from core.dates import format_date
from queues.models import Queue

from . import exports as rows

#: The longest period one download covers: a year of a district's referrals stays a few thousand rows.
LONGEST_PERIOD_DAYS = 366

FORMAT_CHOICES = [("xlsx", _("Excel workbook (XLSX)")), ("csv", _("Text with commas (CSV)"))]


class PeriodExportForm(forms.Form):
    what = forms.ChoiceField(
        label=_("What to download"),
        choices=[("referrals", _("Referrals given")), ("enrolments", _("Enrolments registered"))],
    )
    first_day = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last_day = forms.DateField(
        label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    fmt = forms.ChoiceField(label=_("File"), choices=FORMAT_CHOICES)

    def clean(self):
        data = super().clean()
        first_day, last_day = data.get("first_day"), data.get("last_day")
        if first_day and last_day:
            if last_day < first_day:
                self.add_error("last_day", _("The last day comes before the first."))
            elif (last_day - first_day).days >= LONGEST_PERIOD_DAYS:
                self.add_error("last_day", _("Choose a period of at most a year."))
        return data


class ExportViews:
    """The export URLs of the staff admin; mixed in before ``ScopedAdmin``."""

    def export_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        guard = self.admin_site.admin_view
        return [
            path("export/", guard(self.export_period_view), name=f"{name}_export"),
            path(
                "export/queue/<int:queue_id>/<str:fmt>/",
                guard(self.export_queue_view),
                name=f"{name}_export_queue",
            ),
            path(
                "export/bulletin/<int:bulletin_id>/<str:fmt>/",
                guard(self.export_bulletin_view),
                name=f"{name}_export_bulletin",
            ),
        ]

    def export_queue_view(self, request, queue_id, fmt):
        user = _exporter(request, fmt)
        queue = get_object_or_404(
            Queue.objects.restrict(user, Action.VIEW).select_related("settlement"), pk=queue_id
        )
        record(action=AuditAction.QUEUE_EXPORTED, target=queue, actor=user, details={"format": fmt})
        return exports.response(
            fmt,
            filename=f"queue-{queue.settlement.kato_code}-{queue.birth_year}-{queue.kind}",
            title=gettext("Queue"),
            headers=rows.queue_headers(),
            rows=rows.queue_rows(queue),
        )

    def export_bulletin_view(self, request, bulletin_id, fmt):
        user = _exporter(request, fmt)
        bulletin = get_object_or_404(Bulletin.objects.restrict(user, Action.VIEW), pk=bulletin_id)
        record(action=AuditAction.BULLETIN_EXPORTED, target=bulletin, actor=user, details={"format": fmt})
        return exports.response(
            fmt,
            filename=f"bulletin-{bulletin.pk}",
            title=gettext("Bulletin"),
            headers=rows.bulletin_headers(),
            rows=rows.bulletin_rows(bulletin, user),
        )

    def export_period_view(self, request):
        user = _exporter(request, "csv")
        today = clock.today()
        form = PeriodExportForm(
            posted(request),
            initial={"first_day": today.replace(day=1), "last_day": today, "fmt": "xlsx"},
        )
        if form.is_valid():
            return _period_export(user, **form.cleaned_data)
        return self.action_form_page(
            request,
            title=gettext("Download referrals or enrolments"),
            intro=gettext(
                "A file of the referrals given or the enrolments registered in your districts over the days "
                "you choose, first to last. Every download is recorded."
            ),
            subject=self.opts.verbose_name_plural,
            form=form,
            submit_label=gettext("Download"),
            cancel_url=reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
        )


def _exporter(request, fmt: str):
    if not uses_admin(request.user):
        raise PermissionDenied
    if fmt not in exports.FORMATS:
        raise Http404
    return request.user


def _period_export(user, *, what: str, first_day: datetime.date, last_day: datetime.date, fmt: str):
    details = {"format": fmt, "from": first_day.isoformat(), "through": last_day.isoformat()}
    if what == "enrolments":
        record(action=AuditAction.ENROLMENTS_EXPORTED, target=None, actor=user, details=details)
        title, headers, made = gettext("Enrolments"), rows.enrolment_headers(), rows.enrolment_rows
    else:
        record(action=AuditAction.REFERRALS_EXPORTED, target=None, actor=user, details=details)
        title, headers, made = gettext("Referrals"), rows.referral_headers(), rows.referral_rows
    return exports.response(
        fmt,
        filename=f"{what}-{format_date(first_day)}-{format_date(last_day)}",
        title=title,
        headers=headers,
        rows=made(user, first_day, last_day),
    )
