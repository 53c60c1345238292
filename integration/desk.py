"""The call-centre desk: answer a parent on the phone from a browser (issue 5, item 8).

Call-centre operators (country-wide) and department specialists (their own
districts) sign in on the staff sign-in page (``LOGIN_URL``) and look an
application up here by the child's IIN or its number, always giving a reason.
The answer is the API's (``integration.selectors``), made readable; the page
changes nothing. The IIN travels only in a POST body, never in a URL. Every
look-up is written to the audit trail, a miss too; a miss and an application
out of reach answer alike.
"""

from dataclasses import replace

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.choices import Role
from accounts.decorators import role_required
from applications.choices import BenefitCategory, Verification
from applications.selectors import application_history
from audit.services import record
from audit.vocabulary import AuditAction
from core.iin import validate_iin
from directory.choices import KindergartenKind
from placements.choices import ReferralStatus

from .selectors import find_application, lookup_answer

DESK_ROLES = (Role.CALL_CENTRE, Role.SPECIALIST)

desk_user_required = role_required(*DESK_ROLES)


REASONS = [
    ("position", _("The parent asks about the position in the queue")),
    ("benefit", _("The parent asks about a benefit document")),
    ("referral", _("The parent asks about a referral")),
    ("other", _("Other (say what)")),
]


class LookupForm(forms.Form):
    required_css_class = "required"

    iin = forms.CharField(
        label=_("Child's IIN"),
        required=False,
        min_length=12,
        max_length=12,
        validators=[validate_iin],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("12 digits."),
    )
    number = forms.RegexField(
        label=_("Application number"),
        required=False,
        regex=r"^\s*\d{3}-?\d{3}-?\d{4}\s*$",
        error_messages={"invalid": _("An application number has 10 digits, e.g. 482-915-3307.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("10 digits, with or without dashes."),
    )
    reason = forms.ChoiceField(label=_("Reason for the look-up"), choices=REASONS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("What the call is about"),
        required=False,
        max_length=200,
        help_text=_("Required when the reason is “Other”."),
    )

    def clean(self):
        data = super().clean()
        iin, number = data.get("iin"), data.get("number")
        if "iin" in data and "number" in data and bool(iin) == bool(number):
            raise forms.ValidationError(_("Give either the child's IIN or the application number, not both."))
        if data.get("reason") == "other" and not data.get("note", "").strip():
            self.add_error("note", _("Say what the call is about."))
        return data


@never_cache
@desk_user_required
@require_http_methods(["GET", "POST"])
def lookup(request):
    """The form; on a valid POST, the answer to read out (rendered, not redirected: no IIN in a URL)."""
    form = LookupForm(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        return render(request, "integration/desk/lookup.html", {"form": form})
    data = form.cleaned_data
    iin, number = data["iin"], data["number"]
    application = find_application(request.user, iin=iin or None, number=number or None)
    details = {"reason": data["reason"], "channel": "desk", "by": "iin" if iin else "number"}
    if data["reason"] == "other":
        details["note"] = data["note"].strip()
    if application is None:
        record(
            action=AuditAction.APPLICATION_LOOKUP_NOT_FOUND,
            target=request.user,
            actor=request.user,
            details=details,
        )
        return render(request, "integration/desk/not_found.html", {}, status=200)
    record(action=AuditAction.APPLICATION_LOOKED_UP, target=application, actor=request.user, details=details)
    answer = lookup_answer(application)
    context = {
        "application": application,
        "answer": answer,
        "readable": _readable(answer),
        "history": _history(application),
    }
    return render(request, "integration/desk/answer.html", context)


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _readable(answer: dict) -> dict:
    """The answer's codes in words, for reading aloud; the numbers and sentences stay as they are."""
    return {
        "queues": [
            {**queue, "kind_label": _label(KindergartenKind, queue["kind"])} for queue in answer["queues"]
        ],
        "benefits": [
            {
                **benefit,
                "category_label": _label(BenefitCategory, benefit["category"]),
                "verification_label": _label(Verification, benefit["verification"]),
            }
            for benefit in answer["benefits"]
        ],
        "open_accesses": [
            {**access, "kind_label": _label(KindergartenKind, access["kind"])}
            for access in answer["open_accesses"]
        ],
        "referral": None
        if answer["referral"] is None
        else {**answer["referral"], "status_label": _label(ReferralStatus, answer["referral"]["status"])},
    }


def _history(application):
    """``application_history``, with the reason of each look-up (desk and API) as its note."""
    items = []
    for item in application_history(application):
        if item.event.action == AuditAction.APPLICATION_LOOKED_UP:
            details = item.event.details or {}
            reason = dict(REASONS).get(details.get("reason"), details.get("reason") or "")
            item = replace(item, note=str(reason))
        items.append(item)
    return items
