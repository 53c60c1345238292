"""The forms of the bulletin pages: the shape of the input only; the rules are the services'."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import Action
from core.dates import format_date
from directory.models import District, Group

from ..choices import BulletinStatus
from ..models import Bulletin, BulletinPlace


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


class ConfirmForm(forms.Form):
    """A confirmation with nothing to type: the page says what will happen, the button does it."""


class WithdrawForm(forms.Form):
    required_css_class = "required"

    places = forms.IntegerField(label=_("Places to withdraw"), min_value=1, initial=1)

    def __init__(self, place: BulletinPlace, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["places"].max_value = place.free
        self.fields["places"].widget.attrs["max"] = place.free
