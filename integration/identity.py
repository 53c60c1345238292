"""The identity a request carries: a system with a token, or staff with a session (issue 5, item 1).

It answers what ``core.scoping.restrict`` asks of a user, so every scoped read
of the API goes through the same rule as the admin's and the desks'.
"""

from functools import cached_property

from accounts.choices import Action, Role

from .choices import TokenRole
from .models import ApiToken


class ServiceIdentity:
    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, token: ApiToken):
        self.token = token
        self.organisation = token.organisation
        self.role = token.role
        self.pk = None

    def __str__(self) -> str:
        return f"{self.organisation} ({self.token.prefix}…)"

    @property
    def service_user(self):
        """The dedicated ``User`` the use cases and the audit trail see as the actor."""
        return self.token.service_user

    @cached_property
    def organisation_district_ids(self) -> frozenset[int]:
        return frozenset(self.organisation.districts.values_list("id", flat=True))

    def district_scope(self, action: str) -> set[int] | None:
        """Department: its districts; call centre: the country to view, nothing to change; gov_corp: none."""
        if self.role == TokenRole.DEPARTMENT:
            return set(self.organisation_district_ids)
        if self.role == TokenRole.CALL_CENTRE:
            return None if action == Action.VIEW else set()
        return set()


class StaffIdentity:
    """A signed-in staff user calling the API from the browser (a session, not a token).

    A specialist acts with the ``department`` role over their own districts; a
    call-centre operator and a national administrator with the read-only
    ``call_centre`` role. The user is the actor the use cases and the audit trail see.
    """

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    organisation = None
    token = None

    def __init__(self, user, role: str):
        self.user = user
        self.role = role
        self.pk = None

    def __str__(self) -> str:
        return str(self.user)

    @property
    def service_user(self):
        return self.user

    def district_scope(self, action: str) -> set[int] | None:
        if self.role == TokenRole.DEPARTMENT:
            return self.user.district_scope(action)
        if self.role == TokenRole.CALL_CENTRE:
            return None if action == Action.VIEW else set()
        return set()


def staff_identity(user) -> StaffIdentity | None:
    """The API identity of a signed-in user, or ``None`` for parents, kindergarten staff and the inactive."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_national_administrator or user.role == Role.CALL_CENTRE:
        return StaffIdentity(user, TokenRole.CALL_CENTRE)
    if user.role == Role.SPECIALIST:
        return StaffIdentity(user, TokenRole.DEPARTMENT)
    return None
