"""The kindergarten's desk: referrals issued to it, enrolment, no-shows, free places (RULES.md 1 and 5).

Kindergarten staff sign in with their password on the staff sign-in page
(``LOGIN_URL``), but work here, not in the admin. They see only the referrals
of their own kindergartens (``selectors.referrals_for_kindergarten_staff``:
a referral still waiting for its out-of-turn benefit is not theirs yet), so
any other referral number answers 404; and they act only through services,
which check once more that the kindergarten is theirs.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.choices import Role
from accounts.decorators import role_required
from bulletins import services as bulletin_services
from bulletins.models import VacancyReport
from core import clock
from core.errors import DomainError
from core.forms import add_service_error
from directory.models import Group

from . import selectors, services
from .choices import ReferralStatus

#: Referrals and reports no longer waiting for anything, shown below the current ones.
RECENT = 30


kindergarten_staff_required = role_required(Role.KINDERGARTEN)


class GroupChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, several_kindergartens: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.several_kindergartens = several_kindergartens

    def label_from_instance(self, group):
        label = gettext("%(group)s: born %(year)s, %(language)s, %(kind)s, %(capacity)s places in all") % {
            "group": group.name,
            "year": group.birth_year,
            "language": group.get_language_display(),
            "kind": group.get_kind_display(),
            "capacity": group.capacity,
        }
        return f"{group.kindergarten} — {label}" if self.several_kindergartens else label


class VacancyForm(forms.Form):
    required_css_class = "required"

    group = GroupChoiceField(label=_("Group"), queryset=Group.objects.none())
    places = forms.IntegerField(
        label=_("Free places"),
        min_value=1,
        max_value=999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("How many children the group can take now."),
    )

    def __init__(self, kindergartens, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["group"]
        field.queryset = (
            Group.objects.filter(kindergarten__in=kindergartens)
            .select_related("kindergarten")
            .order_by("kindergarten__name_kk", "birth_year", "name")
        )
        field.several_kindergartens = len(kindergartens) > 1


@never_cache
@kindergarten_staff_required
def referrals(request):
    """The referrals waiting for the child's documents, soonest to expire first; then the recent others."""
    staff_referrals = selectors.referrals_for_kindergarten_staff(request.user)
    now = clock.now()
    waiting = staff_referrals.filter(status=ReferralStatus.ISSUED).order_by(
        Coalesce("extended_until", "valid_until"), "issued_at"
    )
    closed = staff_referrals.exclude(status=ReferralStatus.ISSUED).order_by("-status_changed_at")[:RECENT]
    kindergartens = list(request.user.kindergartens.all())
    context = {
        "waiting": [{"referral": referral, "valid": now < referral.expires_at} for referral in waiting],
        "closed": closed,
        "kindergartens": kindergartens,
        "several_kindergartens": len(kindergartens) > 1,
    }
    return render(request, "placements/desk/referrals.html", context)


@never_cache
@kindergarten_staff_required
@require_http_methods(["GET", "POST"])
def enrol(request, number):
    """Ask before registering enrolment: the child leaves every queue, and it cannot be undone."""
    return _referral_decision(
        request,
        number,
        act=lambda referral: services.register_enrolment(referral=referral, actor=request.user),
        done=gettext("%(child)s is enrolled and has left every queue."),
        template="placements/desk/enrol.html",
    )


@never_cache
@kindergarten_staff_required
@require_http_methods(["GET", "POST"])
def no_show(request, number):
    """Ask before saying the documents never came: the referral is annulled, the family is stop-listed."""
    return _referral_decision(
        request,
        number,
        act=lambda referral: services.report_no_show(referral=referral, actor=request.user),
        done=gettext("The referral of %(child)s is annulled; its place returns for the next bulletin."),
        template="placements/desk/no_show.html",
    )


@never_cache
@kindergarten_staff_required
@require_http_methods(["GET", "POST"])
def free_places(request):
    """Report free places in a group of one's own kindergarten; the department puts them in a bulletin."""
    kindergartens = list(request.user.kindergartens.all())
    form = VacancyForm(kindergartens, request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            report = bulletin_services.report_vacancy(
                group=form.cleaned_data["group"], places=form.cleaned_data["places"], actor=request.user
            )
        except (ValidationError, DomainError) as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                gettext(
                    "Reported: %(places)s free places in %(group)s. The education department puts them "
                    "in a vacancy bulletin."
                )
                % {"places": report.places, "group": report.group.name},
            )
            return redirect("kindergarten_desk:free_places")
    reports = (
        VacancyReport.objects.filter(group__kindergarten__in=kindergartens)
        .select_related("group__kindergarten", "bulletin")
        .order_by("-reported_at")[:RECENT]
    )
    context = {
        "form": form,
        "has_groups": form.fields["group"].queryset.exists(),
        "reports": reports,
        "several_kindergartens": len(kindergartens) > 1,
    }
    return render(request, "placements/desk/free_places.html", context)


def _own_referral_or_404(request, number):
    """A referral of the user's kindergartens, or 404 as if it did not exist."""
    referral = selectors.referrals_for_kindergarten_staff(request.user).filter(number=number).first()
    if referral is None:
        raise Http404
    return referral


def _referral_decision(request, number, *, act, done, template):
    referral = _own_referral_or_404(request, number)
    if referral.status != ReferralStatus.ISSUED:
        messages.info(request, gettext("This referral is no longer waiting for the child's documents."))
        return redirect("kindergarten_desk:referrals")
    if request.method == "POST":
        try:
            act(referral)
        except (ValidationError, DomainError) as error:
            messages.error(
                request, str(error.message) if isinstance(error, DomainError) else error.messages[0]
            )
        else:
            messages.success(request, done % {"child": referral.child.full_name})
        return redirect("kindergarten_desk:referrals")
    context = {
        "referral": referral,
        "valid": clock.now() < referral.expires_at,
        "stop_list_days": settings.STOP_LIST_DAYS,
    }
    return render(request, template, context)
