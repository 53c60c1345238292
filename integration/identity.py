"""The identity a request carries when a system calls with a token (issue 5, item 1).

It answers what ``core.scoping.restrict`` asks of a user, so every scoped read
of the API goes through the same rule as the admin's and the desks'.
"""

from functools import cached_property

from accounts.choices import Action

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
