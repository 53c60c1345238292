"""Which token roles may call which endpoint (issue 5, item 1)."""

from rest_framework.permissions import BasePermission

from ..choices import TokenRole
from ..identity import ServiceIdentity


class TokenRolePermission(BasePermission):
    roles: tuple[str, ...] = ()

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, ServiceIdentity) and request.user.role in self.roles


class MaySubmit(TokenRolePermission):
    roles = (TokenRole.GOV_CORP, TokenRole.DEPARTMENT)


class MayLookUp(TokenRolePermission):
    roles = (TokenRole.GOV_CORP, TokenRole.DEPARTMENT, TokenRole.CALL_CENTRE)


class MayReadQueues(TokenRolePermission):
    roles = (TokenRole.DEPARTMENT, TokenRole.CALL_CENTRE)


class MayReadStatistics(TokenRolePermission):
    roles = (TokenRole.DEPARTMENT, TokenRole.CALL_CENTRE)
