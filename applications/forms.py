"""Forms of applications: the parent's portal, the paper application of the staff desk, reasons.

Forms only check the shape of the input; the rules themselves live in
``services`` and come back through ``core.forms.add_service_error`` as errors on the
input at fault.
"""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import Action, NoticeChannel
from accounts.forms import CONSENT_VERSION
from accounts.models import phone_validator
from core import clock
from core.dates import format_date
from core.errors import DomainError
from core.forms import add_service_error
from core.iin import Sex, check_iin_matches, validate_iin
from directory.choices import GroupLanguage
from directory.models import Kindergarten, Settlement

from . import selectors, services
from .choices import BenefitCategory, Relation
from .intake import ApplicationInput, applicant_from, child_from, uploads
from .models import MAX_PREFERRED_KINDERGARTENS, Child
from .moves import THRESHOLDS
from .uploads import checked_document

NO_BENEFIT = [("", _("No benefit"))]
#: The PMPK conclusion has a field of its own on the application form.
OTHER_BENEFITS = [
    (value, label) for value, label in BenefitCategory.choices if value != BenefitCategory.SPECIAL_NEEDS
]


def _date_widget():
    """The browser's date picker; it sends ISO dates, and typing one by hand works too."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _check_file(uploaded_file) -> None:
    """The same type and size check the service makes, so the error lands on the file it is about."""
    try:
        checked_document(uploaded_file)
    except DomainError as error:
        raise ValidationError(error.message) from None


# --- the portal ----------------------------------------------------------------------


class PortalForm(forms.Form):
    required_css_class = "required"
    error_css_class = "has-error"


class ChildForm(PortalForm):
    """A child is added by IIN alone: the person register gives the rest (``register_checks``)."""

    iin = forms.CharField(
        label=_("Child's IIN"),
        max_length=12,
        validators=[validate_iin],
        help_text=_(
            "12 digits, from the birth certificate. The child's names, birth date and sex come from the "
            "person register."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    has_special_needs_conclusion = forms.BooleanField(
        label=_("The child has a conclusion of the PMPK (special educational needs)"),
        required=False,
        help_text=_(
            "Such children may stay in the queue after the age of six. You attach the conclusion when "
            "applying."
        ),
    )

    #: The register's data has no field here: a refusal about it is about the IIN.
    service_field_names = {"child_iin": "iin", "birth_date": "iin", "sex": "iin"}


class ChildByHandForm(ChildForm):
    """When the register does not answer: the child's data typed from the birth certificate, checked later."""

    surname = forms.CharField(label=_("Surname"), max_length=100)
    name = forms.CharField(label=_("Name"), max_length=100)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    birth_date = forms.DateField(label=_("Birth date"), widget=_date_widget())
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)

    field_order = (
        "iin",
        "surname",
        "name",
        "patronymic",
        "birth_date",
        "sex",
        "has_special_needs_conclusion",
    )
    service_field_names = {"child_iin": "iin"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["iin"].help_text = _("12 digits, from the birth certificate.")

    def details(self) -> services.ChildDetails:
        return child_from(self.cleaned_data)


class ChildChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, child):
        return f"{child.full_name} ({format_date(child.birth_date)})"


class KindergartenAddressChoiceField(forms.ModelMultipleChoiceField):
    """Kindergartens of one settlement, each by its name and address (the portal's checkboxes)."""

    def label_from_instance(self, kindergarten):
        return f"{kindergarten.name} — {kindergarten.address}"


class ApplicationForm(PortalForm):
    """The application of RULES.md section 6, for a child on the parent's list and one settlement."""

    child = ChildChoiceField(
        label=_("Which child"),
        queryset=Child.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    relation = forms.ChoiceField(label=_("You are the child's"), choices=Relation.choices)
    preferred_kindergartens = KindergartenAddressChoiceField(
        label=_("Preferred kindergartens"),
        queryset=Kindergarten.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Optional: up to four. Places are offered in every kindergarten of the settlement."),
    )
    wants_special = forms.BooleanField(
        label=_("Special queue (for children with special educational needs)"), required=False
    )
    wants_sanatorium = forms.BooleanField(label=_("Sanatorium queue"), required=False)
    pmpk_file = forms.FileField(
        label=_("PMPK conclusion"),
        required=False,
        help_text=_(
            "Needed for the special and sanatorium queues; once confirmed it also makes the application "
            "first-turn. PDF, JPEG or PNG."
        ),
    )
    pmpk_issued_on = forms.DateField(
        label=_("PMPK conclusion issued on"), required=False, widget=_date_widget()
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred group language"), choices=GroupLanguage.choices, widget=forms.RadioSelect
    )
    benefit_category = forms.ChoiceField(
        label=_("Benefit"), choices=NO_BENEFIT + OTHER_BENEFITS, required=False
    )
    benefit_issued_on = forms.DateField(label=_("Document issued on"), required=False, widget=_date_widget())
    benefit_file = forms.FileField(
        label=_("Benefit document"),
        required=False,
        help_text=_("A scan or photo: PDF, JPEG or PNG. A specialist checks it before the benefit counts."),
    )

    fieldsets = (
        (_("Child"), ("child", "relation")),
        (_("Kindergartens"), ("preferred_kindergartens", "preferred_language")),
        (_("Queues"), ("wants_special", "wants_sanatorium", "pmpk_file", "pmpk_issued_on")),
        (_("Benefit (optional)"), ("benefit_category", "benefit_issued_on", "benefit_file")),
    )

    service_field_names = {
        "iin": "child",
        "child_iin": "child",
        "birth_date": "child",
        "sex": "child",
        "category": "benefit_category",
        "issued_on": "benefit_issued_on",
        "file": "benefit_file",
    }

    def __init__(self, *args, applicant, settlement: Settlement, **kwargs):
        super().__init__(*args, **kwargs)
        self.settlement = settlement
        children = selectors.children_to_apply_for(applicant)
        self.fields["child"].queryset = children
        if not self.initial.get("child") and len(children) == 1:
            self.initial["child"] = children[0].pk  # the only child needs no choosing
        self.fields["preferred_kindergartens"].queryset = settlement.kindergartens.order_by("name_kk")

    def grouped_fields(self):
        return [(title, [self[name] for name in names]) for title, names in self.fieldsets]

    def clean_pmpk_file(self):
        uploaded = self.cleaned_data.get("pmpk_file")
        if uploaded:
            _check_file(uploaded)
        return uploaded

    def clean_benefit_file(self):
        uploaded = self.cleaned_data.get("benefit_file")
        if uploaded:
            _check_file(uploaded)
        return uploaded

    def clean(self):
        data = super().clean()
        if len(data.get("preferred_kindergartens") or []) > MAX_PREFERRED_KINDERGARTENS:
            self.add_error(
                "preferred_kindergartens",
                _("Choose at most %(count)s kindergartens.") % {"count": MAX_PREFERRED_KINDERGARTENS},
            )
        for name in ("pmpk_issued_on", "benefit_issued_on"):
            if data.get(name) and data[name] > clock.today():
                self.add_error(name, _("The document's date of issue cannot be in the future."))
        self._require_together(
            ("pmpk_file", "pmpk_issued_on"), _("Attach the conclusion and give its date of issue.")
        )
        self._require_together(
            ("benefit_category", "benefit_file", "benefit_issued_on"),
            _("A benefit needs its kind, the document and its date of issue."),
        )
        return data

    def _require_together(self, names, message):
        data = self.cleaned_data
        if any(data.get(name) for name in names):
            for name in names:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)

    def intake(self, applicant) -> ApplicationInput:
        """The application as every channel describes one (``applications.intake``): the child on the
        parent's list, the parent as the applicant."""
        data = self.cleaned_data
        return ApplicationInput(
            child=child_from(data["child"]),
            applicant=applicant_from(applicant),
            relation=data["relation"],
            settlement=self.settlement,
            preferred_language=data["preferred_language"],
            wants_special=data["wants_special"],
            wants_sanatorium=data["wants_sanatorium"],
            preferred_kindergartens=list(data["preferred_kindergartens"]),
            documents=uploads(
                (BenefitCategory.SPECIAL_NEEDS, data["pmpk_file"], data["pmpk_issued_on"]),
                (data["benefit_category"], data["benefit_file"], data["benefit_issued_on"]),
            ),
        )


class DocumentForm(PortalForm):
    category = forms.ChoiceField(
        label=_("Benefit"), choices=[("", _("Choose the benefit")), *BenefitCategory.choices]
    )
    issued_on = forms.DateField(label=_("Document issued on"), widget=_date_widget())
    file = forms.FileField(
        label=_("Document"),
        help_text=_("A scan or photo: PDF, JPEG or PNG. The submission time of the application stays."),
    )

    def upload(self) -> services.DocumentUpload:
        data = self.cleaned_data
        return services.DocumentUpload(
            category=data["category"], file=data["file"], issued_on=data["issued_on"]
        )


def _places_or_more_now(count: int) -> str:
    return gettext("by %(count)s places or more") % {"count": count}


_places_or_more = lazy(_places_or_more_now, str)  # in the language of the page that shows it


class MoveNoticesForm(PortalForm):
    """Notices (issue 12 item 4): how far a position must move, whether to tell a changed estimate, how."""

    threshold = forms.TypedChoiceField(
        label=_("Tell me when the position of an application moves"),
        choices=[
            ("", _("Do not tell me")),
            *((count, _places_or_more(count)) for count in THRESHOLDS),
        ],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Closer to the front or further back, in any of its queues, since the last notice. At most one "
            "notice a week for each application."
        ),
    )
    estimate_band = forms.BooleanField(
        label=_("Tell me when the estimate of when access may open changes"),
        required=False,
        help_text=_(
            "The estimate is the range of months shown on the application's page. We write when its "
            "beginning or its end moves by a month or more, in any of its queues, or when a range can "
            "no longer be given or can be given again. At most one notice a week for each application."
        ),
    )
    channel = forms.ChoiceField(
        label=_("How to tell me"), choices=NoticeChannel.choices, widget=forms.RadioSelect
    )


class CheckForm(forms.Form):
    """The public check of an application by its number."""

    # No length limit of the form's own: a number too long is "not found", like any other wrong one.
    number = forms.CharField(
        label=_("Application number"),
        help_text=_("Ten digits, as on the receipt; dashes and spaces are fine."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20}),
    )


# --- the staff desk ------------------------------------------------------------------


class KindergartenChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, kindergarten):
        return f"{kindergarten} ({kindergarten.settlement})"


class PaperApplicationForm(forms.Form):
    """An application brought to the education department on paper (RULES.md sections 1 and 6)."""

    required_css_class = "required"

    child_iin = forms.CharField(label=_("IIN"), max_length=12, validators=[validate_iin])
    child_surname = forms.CharField(label=_("Surname"), max_length=100)
    child_name = forms.CharField(label=_("Name"), max_length=100)
    child_patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    child_birth_date = forms.DateField(label=_("Birth date"), widget=AdminDateWidget)
    child_sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)

    applicant_iin = forms.CharField(label=_("IIN"), max_length=12, validators=[validate_iin])
    applicant_surname = forms.CharField(label=_("Surname"), max_length=100)
    applicant_name = forms.CharField(label=_("Name"), max_length=100)
    applicant_patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    applicant_phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=12,
        validators=[phone_validator],
        help_text=_("+7 and ten digits."),
    )
    applicant_phone2 = forms.CharField(
        label=_("Second mobile phone"), max_length=12, validators=[phone_validator], required=False
    )
    applicant_email = forms.EmailField(label=_("E-mail"), required=False)
    relation = forms.ChoiceField(label=_("Relation to the child"), choices=Relation.choices)

    settlement = forms.ModelChoiceField(label=_("Settlement"), queryset=Settlement.objects.none())
    wants_special = forms.BooleanField(label=_("Special queue"), required=False)
    wants_sanatorium = forms.BooleanField(label=_("Sanatorium queue"), required=False)
    preferred_language = forms.ChoiceField(label=_("Preferred group language"), choices=GroupLanguage.choices)
    preferred_kindergartens = KindergartenChoiceField(
        label=_("Preferred kindergartens"),
        queryset=Kindergarten.objects.none(),
        required=False,
        help_text=_("Up to four, of the settlement of the application."),
    )

    received_at = forms.SplitDateTimeField(
        label=_("Received by the department"),
        widget=AdminSplitDateTime,
        help_text=_("The date and time written on the paper application. It decides the place in the queue."),
    )

    consent = forms.BooleanField(
        label=_("The applicant signed the consent to the processing of personal data"),
        error_messages={"required": _("Confirm that the applicant signed the consent.")},
    )

    document_category = forms.ChoiceField(
        label=_("Benefit"), choices=[("", "---------"), *BenefitCategory.choices], required=False
    )
    document_issued_on = forms.DateField(label=_("Issued on"), widget=AdminDateWidget, required=False)
    document_file = forms.FileField(
        label=_("Document"), required=False, help_text=_("A scan or photo: PDF, JPEG or PNG.")
    )

    fieldsets = (
        (
            _("Child"),
            ("child_iin", "child_surname", "child_name", "child_patronymic", "child_birth_date", "child_sex"),
        ),
        (
            _("Applicant"),
            (
                "applicant_iin",
                "applicant_surname",
                "applicant_name",
                "applicant_patronymic",
                "applicant_phone",
                "applicant_phone2",
                "applicant_email",
                "relation",
            ),
        ),
        (
            _("Queues"),
            (
                "settlement",
                "wants_special",
                "wants_sanatorium",
                "preferred_language",
                "preferred_kindergartens",
            ),
        ),
        (_("Receipt"), ("received_at", "consent")),
        (_("Benefit document (optional)"), ("document_category", "document_issued_on", "document_file")),
    )

    #: Where the service's field names land on this form.
    service_field_names = {
        "iin": "child_iin",
        "birth_date": "child_birth_date",
        "sex": "child_sex",
        "phone": "applicant_phone",
        "phone2": "applicant_phone2",
        "email": "applicant_email",
        "category": "document_category",
        "issued_on": "document_issued_on",
        "file": "document_file",
    }

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].help_text = _(
            "Without the signed consent (form version %(version)s) the application cannot be registered. "
            "Keep the signed paper with the application."
        ) % {"version": CONSENT_VERSION}
        self.fields["settlement"].queryset = Settlement.objects.restrict(user, Action.CHANGE)
        self.fields["preferred_kindergartens"].queryset = Kindergarten.objects.restrict(
            user, Action.CHANGE
        ).select_related("settlement")

    def grouped_fields(self):
        return [(title, [self[name] for name in names]) for title, names in self.fieldsets]

    def clean(self):
        data = super().clean()
        if data.get("child_iin"):
            try:
                check_iin_matches(
                    data["child_iin"], birth_date=data.get("child_birth_date"), sex=data.get("child_sex")
                )
            except ValidationError as error:
                add_service_error(self, error, self.service_field_names)
        kindergartens = data.get("preferred_kindergartens") or []
        if len(kindergartens) > MAX_PREFERRED_KINDERGARTENS:
            self.add_error(
                "preferred_kindergartens",
                _("Choose at most %(count)s kindergartens.") % {"count": MAX_PREFERRED_KINDERGARTENS},
            )
        settlement = data.get("settlement")
        if settlement and any(kindergarten.settlement_id != settlement.pk for kindergarten in kindergartens):
            self.add_error(
                "preferred_kindergartens", _("Choose kindergartens of the settlement of the application.")
            )
        document_parts = ("document_category", "document_issued_on", "document_file")
        if any(data.get(name) for name in document_parts):
            for name in document_parts:
                if not data.get(name) and name not in self.errors:
                    self.add_error(
                        name, _("A benefit document needs its kind, its date of issue and the file.")
                    )
        return data

    def intake(self) -> ApplicationInput:
        """The paper application as every channel describes one (``applications.intake``)."""
        data = self.cleaned_data
        return ApplicationInput(
            child=child_from(data, prefix="child_"),
            applicant=applicant_from(data, prefix="applicant_"),
            relation=data["relation"],
            settlement=data["settlement"],
            preferred_language=data["preferred_language"],
            wants_special=data["wants_special"],
            wants_sanatorium=data["wants_sanatorium"],
            preferred_kindergartens=list(data["preferred_kindergartens"]),
            documents=uploads((data["document_category"], data["document_file"], data["document_issued_on"])),
            received_at=data["received_at"],
            consent_version=CONSENT_VERSION,
        )


class ReasonForm(forms.Form):
    required_css_class = "required"

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("The parent will read it."),
    )


class ConfirmBenefitForm(forms.Form):
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=AdminDateWidget,
        required=False,
        help_text=_("Leave empty if the document does not expire."),
    )
