"""Forms of the staff desk: the paper application, and the reasons behind decisions.

Forms only check the shape of the input; the rules themselves live in
``services`` and come back through ``core.forms.add_service_error`` as errors on the
input at fault.
"""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.choices import Action
from accounts.forms import CONSENT_VERSION
from accounts.models import phone_validator
from core.forms import add_service_error
from core.iin import Sex, check_iin_matches, validate_iin
from directory.choices import GroupLanguage
from directory.models import Kindergarten, Settlement

from . import services
from .choices import BenefitCategory, Channel, Relation
from .models import MAX_PREFERRED_KINDERGARTENS, Application


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

    def submit(self, *, actor) -> Application:
        data = self.cleaned_data
        documents = []
        if data["document_file"]:
            documents.append(
                services.DocumentUpload(
                    category=data["document_category"],
                    file=data["document_file"],
                    issued_on=data["document_issued_on"],
                )
            )
        return services.submit_application(
            child=services.ChildDetails(
                iin=data["child_iin"],
                surname=data["child_surname"],
                name=data["child_name"],
                patronymic=data["child_patronymic"],
                birth_date=data["child_birth_date"],
                sex=data["child_sex"],
            ),
            applicant=services.ApplicantDetails(
                iin=data["applicant_iin"],
                surname=data["applicant_surname"],
                name=data["applicant_name"],
                patronymic=data["applicant_patronymic"],
                phone=data["applicant_phone"],
                phone2=data["applicant_phone2"],
                email=data["applicant_email"],
            ),
            relation=data["relation"],
            settlement=data["settlement"],
            preferred_language=data["preferred_language"],
            channel=Channel.EDUCATION_DEPARTMENT,
            actor=actor,
            wants_special=data["wants_special"],
            wants_sanatorium=data["wants_sanatorium"],
            preferred_kindergartens=list(data["preferred_kindergartens"]),
            documents=documents,
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
