"""A service's refusal shown on the form that asked for it, for every page of every app.

Forms only check the shape of the input; the rules live in the services,
which raise a ``DomainError`` or Django's ``ValidationError`` keyed by field.
"""

from django import forms

from core.errors import DomainError


def add_service_error(form: forms.Form, error: Exception, field_names: dict[str, str] | None = None) -> None:
    """Show a service's refusal on ``form``: on the input at fault when the form has it, else above the form.

    ``field_names`` maps the names a service uses (``iin``, ``issued_on``) to the form's own.
    """
    field_names = field_names or {}

    def form_field(name):
        name = field_names.get(name, name)
        return name if name in form.fields else None

    if isinstance(error, DomainError):
        form.add_error(form_field(error.field), error.message)
    elif hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(form_field(name), errors)
    else:
        form.add_error(None, error.messages)


def error_text(error: Exception) -> str:
    """A service's refusal as one sentence for a message, where there is no form to put it on."""
    if isinstance(error, DomainError):
        return str(error.message)
    return " ".join(error.messages)
