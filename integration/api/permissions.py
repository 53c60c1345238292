"""Which roles (of a token, or of staff signed in) may call which endpoint (issue 5, item 1)."""

from rest_framework.permissions import BasePermission

from accounts.authorization import has_role

from ..choices import TokenRole
from ..identity import ServiceIdentity, StaffIdentity


class TokenRolePermission(BasePermission):
    roles: tuple[str, ...] = ()
    identities: tuple[type, ...] = (ServiceIdentity, StaffIdentity)

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, self.identities) and has_role(request.user, self.roles)


class MaySubmit(TokenRolePermission):
    roles = (TokenRole.GOV_CORP, TokenRole.DEPARTMENT)
    identities = (ServiceIdentity,)  # submissions come from systems, with an organisation and a token


class MayLookUp(TokenRolePermission):
    roles = (TokenRole.GOV_CORP, TokenRole.DEPARTMENT, TokenRole.CALL_CENTRE)


class MayReadQueues(TokenRolePermission):
    roles = (TokenRole.DEPARTMENT, TokenRole.CALL_CENTRE)


class MayReadStatistics(TokenRolePermission):
    roles = (TokenRole.DEPARTMENT, TokenRole.CALL_CENTRE)
