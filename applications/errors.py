"""Domain errors of applications: each a broken rule, with a message for the user."""

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class ChildAlreadyInQueue(DomainError):
    """Says only that the child has an active application, never whose or where (no leak)."""

    code = "child_has_active_application"

    def __init__(self):
        super().__init__(
            _(
                "This child already has an active application. If it is not yours, contact the "
                "education department or the call centre."
            ),
            field="child_iin",
        )


class InvalidInput(DomainError):
    """A value a service was given that no rule could accept, whatever channel sent it (issue 15)."""

    code = "invalid_input"


class NotEligible(DomainError):
    code = "not_eligible"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class InvalidDocument(DomainError):
    code = "invalid_document"


class OutOfScope(DomainError):
    """A staff user acting on a record outside their districts."""

    code = "out_of_scope"

    def __init__(self):
        super().__init__(_("This record is outside the districts you are assigned to."))
