"""The authentication backend of parents: an IIN and a one-time code, no password (RULES.md section 7).

Reached through ``django.contrib.auth.authenticate(request, username=iin,
one_time_code=..., code_id=...)``, behind ``axes.backends.AxesStandaloneBackend``
(settings, "Parent sign-in"): axes refuses a locked IIN or address before the
code is looked at, and counts every ``None`` this backend returns as a failed
check. Staff never sign in here, and parents never through a password.
"""

from django.contrib.auth.backends import BaseBackend
from django.db import DEFAULT_DB_ALIAS

from core.addresses import client_address
from core.errors import DomainError
from core.prepared import Prepared

from . import services
from .authorization import PARENT_ACCOUNT, is_parent_account
from .models import Applicant, CodePurpose, OneTimeCode, User

_USER_COLUMNS = [field.attname for field in User._meta.concrete_fields]
_APPLICANT_COLUMNS = [field.attname for field in Applicant._meta.concrete_fields]
_parent_rows = Prepared(
    lambda user_id: User.objects.filter(**PARENT_ACCOUNT, pk=user_id).values_list(
        *_USER_COLUMNS, *(f"applicant__{column}" for column in _APPLICANT_COLUMNS)
    ),
    user_id=int,
)


def _parent_of(row: tuple) -> User:
    """The user and their applicant (None before they have one) from one row, as ``select_related`` would."""
    user = User.from_db(DEFAULT_DB_ALIAS, _USER_COLUMNS, row[: len(_USER_COLUMNS)])
    values = row[len(_USER_COLUMNS) :]
    applicant = None if values[0] is None else Applicant.from_db(DEFAULT_DB_ALIAS, _APPLICANT_COLUMNS, values)
    User.applicant.related.set_cached_value(user, applicant)
    if applicant is not None:
        Applicant.user.field.set_cached_value(applicant, user)
    return user


class RegistrationRequired(Exception):
    """The code is right and used, and nobody has registered its IIN yet: the registration form is next.

    Deliberately not ``PermissionDenied`` nor a ``None`` from the backend, so
    that ``authenticate()`` lets it through without counting a failed check.
    """

    def __init__(self, code: OneTimeCode):
        super().__init__("registration required")
        self.code = code


class OneTimeCodeBackend(BaseBackend):
    """Checks a one-time code with ``services.verify_code`` and returns the parent's user.

    On a refused check the reason (a ``DomainError``) is left on the request as
    ``one_time_code_error`` for the view to show, and ``None`` is returned, which
    axes counts. ``purpose`` other than sign-in (taking a referral) returns the
    user the code was sent for, without signing anybody in.
    """

    def authenticate(
        self,
        request,
        username=None,
        one_time_code=None,
        code_id=None,
        purpose=CodePurpose.SIGN_IN,
        **kwargs,
    ):
        if request is None or one_time_code is None or code_id is None:
            return None
        try:
            if not services.code_is_for(code_id=code_id, iin=username):
                # axes counts the failure against ``username``: it must be the code's own IIN.
                raise services.UnknownCode()
            code = services.verify_code(
                code_id=code_id, code=one_time_code, purpose=purpose, client_ip=client_address(request)
            )
            if purpose != CodePurpose.SIGN_IN:
                return self._owner(code)
            user = services.sign_in_user(code=code)
        except DomainError as error:
            request.one_time_code_error = error
            return None
        if user is None:
            raise RegistrationRequired(code)
        return user

    def get_user(self, user_id):
        """The signed-in parent, with their ``Applicant`` in the same query: every cabinet page needs both.

        The query is compiled once a process (``core.prepared``): it runs on
        every page a parent opens, and on a page served from the cache building
        it through the ORM cost more than the page (docs/performance.md).
        """
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        found = _parent_rows.rows(user_id=user_id)
        return _parent_of(found[0]) if found else None

    def _owner(self, code: OneTimeCode):
        applicant = code.applicant
        user = applicant.user if applicant is not None else None
        if not is_parent_account(user):
            raise services.CabinetClosed()
        return user
