"""The forms of the parent's sign-in: IIN and phone, the code, and the first-time registration."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.iin import validate_iin

from .models import phone_validator
from .phones import normalise_phone

# The consent a new parent gives at registration (issue 6 item 8). A change to
# the text is a new version: the applicant keeps the version they agreed to.
CONSENT_VERSION = "2026-11-25"
CONSENT_TEXT = _(
    "I agree that the education authorities of the Republic of Kazakhstan and the operator of the "
    "Kezek service collect, store and process my personal data and that of my children (IIN, names, "
    "birth dates, contact details and the documents I attach) in order to keep my children in the "
    "kindergarten queue, issue referrals and tell me about them, as the Law of the Republic of "
    "Kazakhstan on personal data and their protection provides. The data are kept on servers in "
    "Kazakhstan. I may withdraw this consent through the education department; my applications are "
    "then withdrawn."
)


class PhoneField(forms.CharField):
    default_validators = [phone_validator]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.input_type = "tel"
        self.widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_phone(value) if value else value


class AccessibleErrorsMixin:
    """Points each invalid input at its error text (``aria-describedby``), beside its help text.

    Django marks the input ``aria-invalid`` itself; the error list, rendered by
    ``accounts/includes/field.html`` with the id ``<input id>_errors``, is also
    a ``role="alert"`` region so that screen readers announce it.
    """

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            attrs = self.fields[name].widget.attrs
            described_by = attrs.get("aria-describedby", "").split()
            if not described_by and bound.help_text:
                described_by.append(f"{bound.auto_id}_helptext")
            described_by.append(f"{bound.auto_id}_errors")
            attrs["aria-describedby"] = " ".join(dict.fromkeys(described_by))


class IinField(forms.CharField):
    """An IIN as typed or pasted: spaces between the digits are forgiven, the rest is validated."""

    default_validators = [validate_iin]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value):
        value = super().to_python(value)
        return re.sub(r"\s", "", value) if value else value


class SignInForm(AccessibleErrorsMixin, forms.Form):
    iin = IinField(label=_("Your IIN"), help_text=_("12 digits, as in your identity card."))
    phone = PhoneField(
        label=_("Mobile phone"),
        help_text=_("The number on your application, for example +7 701 123 45 67."),
    )


class CodeForm(AccessibleErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        help_text=_("6 digits."),
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]{6}",
                "maxlength": "6",
                "class": "one-time-code",
            }
        ),
    )

    def clean_code(self):
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code):
            raise ValidationError(_("The code is 6 digits."), code="code_format")
        return code


class AuthenticatorCodeForm(CodeForm):
    """The staff's second step: the six digits an authenticator app shows now (``accounts.second_factor``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code from the authenticator app")
        self.fields["code"].help_text = _("6 digits; a new code appears every 30 seconds.")


class RegistrationForm(AccessibleErrorsMixin, forms.Form):
    surname = forms.CharField(
        label=_("Surname"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    name = forms.CharField(
        label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    patronymic = forms.CharField(
        label=_("Patronymic"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "additional-name"}),
    )
    phone2 = PhoneField(
        label=_("Second mobile phone"),
        required=False,
        help_text=_("Another number that may receive codes and notices, for example the other parent's."),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("For notices besides SMS."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent = forms.BooleanField(
        label=_("I agree to the processing of personal data as written above."),
        error_messages={"required": _("Registration needs your consent to the processing of personal data.")},
    )

    def __init__(self, *args, phone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.phone = phone
        self.fields["consent"].widget.attrs["aria-describedby"] = "consent-text"

    def clean_phone2(self):
        phone2 = self.cleaned_data["phone2"]
        if phone2 and phone2 == self.phone:
            raise ValidationError(
                _("This is the number you have just confirmed. Enter another one, or leave it empty."),
                code="same_phone",
            )
        return phone2
