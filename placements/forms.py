"""Forms of the parent's referral pages: the place pressed, the code from the SMS, the extension.

Forms check only the shape of the input; whether the parent may take a place
or extend a referral is the services' rule, shown back on the form.
"""

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import CodeForm
from core.dates import format_date

from .models import Referral


class PlaceForm(forms.Form):
    """**Get referral** on one place: the place travels in the form's body, never in a URL."""

    place = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class TakeReferralForm(CodeForm):
    """The fresh one-time code that confirms taking a referral: six digits, ``autocomplete=one-time-code``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("6 digits, from the SMS we have just sent.")


class ExtendForm(forms.Form):
    """Extend a referral once, up to ``REFERRAL_MAX_DAYS_FROM_ISSUE`` days after the issue day."""

    required_css_class = "required"
    error_css_class = "has-error"

    until = forms.DateField(
        label=_("Extend through"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        latest = latest_extension(referral)
        earliest = referral.valid_until + datetime.timedelta(days=1)
        field = self.fields["until"]
        field.initial = latest
        field.widget.attrs.update({"min": earliest.isoformat(), "max": latest.isoformat()})
        field.help_text = _(
            "Any day after %(current)s, at the latest %(latest)s. A referral can be extended only once."
        ) % {
            "current": format_date(referral.valid_until),
            "latest": format_date(latest),
        }


def latest_extension(referral: Referral) -> datetime.date:
    """The last day a referral may be extended to (RULES.md section 5: 30 calendar days from issue)."""
    return timezone.localdate(referral.issued_at) + datetime.timedelta(
        days=settings.REFERRAL_MAX_DAYS_FROM_ISSUE
    )
