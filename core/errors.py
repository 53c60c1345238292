"""The base of every domain error a service raises."""


class DomainError(Exception):
    """A broken business rule, with a message a user can read in their language.

    ``code`` is stable and machine-readable (API clients switch on it); the
    message is a lazily translated string, rendered in the active language by
    whichever view shows it. ``field`` names the input at fault, when there is one.
    """

    code = "domain_error"

    def __init__(self, message, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
