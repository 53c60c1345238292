"""The specialist's day: what needs doing today in the districts in reach, on the admin's index (issue 14).

One line per kind of work, each with how many items wait, since when the
oldest has waited and a link to the admin list filtered to exactly those items.
Every count is read through ``restrict(user, VIEW)``, the call the admin's
lists make, so the figures and the lists behind the links always agree: a
specialist sees the assigned districts, a department head (a specialist
assigned every district of the department) the whole department, a national
administrator the country. Documents the specialist uploaded are left out of
"awaiting a check": they must be checked by someone else (four eyes).

This lives in placements, the highest domain app, because the day spans
applications, bulletins and placements; the index shows it through
``core.admin.index_sections``.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts.choices import Action
from applications.choices import Status, Verification
from applications.models import Application, BenefitDocument
from bulletins.choices import BulletinStatus, ReportState
from bulletins.models import Bulletin, VacancyReport
from core import clock
from core.admin import uses_admin
from core.dates import end_of, local_date

from .choices import ReferralStatus
from .models import Referral

#: The query parameter of the benefit documents' list filter "awaiting my check" (``applications.admin``).
AWAITING_MY_CHECK = {"check": "mine"}
#: The query parameter of the referrals' list filter "valid through today" (``placements.admin``).
EXPIRING_TODAY = {"valid_through": "today"}


@dataclass(frozen=True)
class Task:
    """One kind of work: how many items, since when the oldest waits, the list of them, a deadline if any."""

    label: str
    count: int
    oldest: datetime.datetime | None
    url: str
    deadline: datetime.date | None = None

    def waiting_days(self, today: datetime.date) -> int | None:
        return None if self.oldest is None else (today - local_date(self.oldest)).days


def tasks(user, now: datetime.datetime) -> list[Task]:
    """The day's work of ``user`` at ``now``, in the order a morning takes it."""
    today = local_date(now)
    start_of_today = end_of(today - datetime.timedelta(days=1))
    monday = today - datetime.timedelta(days=today.weekday())
    valid_through = Coalesce("extended_until", "valid_until")
    referrals = Referral.objects.restrict(user, Action.VIEW).annotate(through=valid_through)
    return [
        _task(
            _("Benefit documents awaiting a check"),
            BenefitDocument.objects.restrict(user, Action.VIEW)
            .filter(verification=Verification.PENDING)
            .exclude(uploaded_by=user),
            since="uploaded_at",
            url=_changelist("applications", "benefitdocument", AWAITING_MY_CHECK),
        ),
        _task(
            _("Out-of-turn referrals awaiting confirmation"),
            referrals.filter(status=ReferralStatus.AWAITING_CONFIRMATION),
            since="issued_at",
            url=_changelist(
                "placements", "referral", {"status__exact": ReferralStatus.AWAITING_CONFIRMATION}
            ),
            deadline="through",
        ),
        _task(
            _("Vacancy reports not yet in a bulletin"),
            VacancyReport.objects.restrict(user, Action.VIEW).filter(state=ReportState.PENDING),
            since="reported_at",
            url=_changelist("bulletins", "vacancyreport", {"state__exact": ReportState.PENDING}),
        ),
        _task(
            _("Draft bulletins"),
            Bulletin.objects.restrict(user, Action.VIEW).filter(status=BulletinStatus.DRAFT),
            since="created_at",
            url=_changelist("bulletins", "bulletin", {"status__exact": BulletinStatus.DRAFT}),
        ),
        _task(
            _("Referrals that expire today"),
            referrals.filter(status=ReferralStatus.ISSUED, through=today),
            since="issued_at",
            url=_changelist("placements", "referral", EXPIRING_TODAY),
        ),
        _task(
            _("Priority windows that end today"),
            Bulletin.objects.restrict(user, Action.VIEW).filter(
                status=BulletinStatus.PUBLISHED,
                priority_until__gt=start_of_today,
                priority_until__lte=end_of(today),
            ),
            since="published_at",
            url=_changelist(
                "bulletins",
                "bulletin",
                {
                    "status__exact": BulletinStatus.PUBLISHED,
                    "priority_until__gt": start_of_today.isoformat(),
                    "priority_until__lte": end_of(today).isoformat(),
                },
            ),
        ),
        _task(
            _("Children who left the queue by age this week"),
            Application.objects.restrict(user, Action.VIEW).filter(
                status=Status.AGED_OUT, status_changed_at__gte=end_of(monday - datetime.timedelta(days=1))
            ),
            since="status_changed_at",
            url=_changelist(
                "applications",
                "application",
                {"status__exact": Status.AGED_OUT, "status_changed_at__date__gte": monday.isoformat()},
            ),
        ),
    ]


def section(request) -> dict | None:
    """The admin index's section (``core.admin.index_sections``): the day's table, for staff of the admin."""
    user = request.user
    if not uses_admin(user):
        return None
    now = clock.now()
    today = local_date(now)
    country = user.district_scope(Action.VIEW) is None
    return {
        "template": "admin/placements/today.html",
        "today": today,
        "country": country,
        "districts": [] if country else list(user.districts.order_by("kato_code")),
        "rows": [(task, task.waiting_days(today)) for task in tasks(user, now)],
    }


def _task(label, queryset, *, since: str, url: str, deadline: str | None = None) -> Task:
    figures = {"count": Count("pk"), "oldest": Min(since)}
    if deadline:
        figures["deadline"] = Min(deadline)
    found = queryset.aggregate(**figures)
    return Task(
        label=label,
        count=found["count"],
        oldest=found["oldest"],
        url=url,
        deadline=found.get("deadline"),
    )


def _changelist(app: str, model: str, query: dict) -> str:
    return f"{reverse(f'admin:{app}_{model}_changelist')}?{urlencode(query)}"
