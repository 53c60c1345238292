"""Use cases of the integration API's own records: issuing and revoking tokens (issue 5, item 1)."""

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from audit.services import record
from audit.vocabulary import AuditAction
from core import clock

from .choices import TokenRole
from .models import MAX_TOKEN_LIFETIME, PREFIX_LENGTH, ApiToken, Organisation, hash_secret

#: The role of the service user a token acts as, so the use cases' own scope checks apply unchanged.
SERVICE_USER_ROLE = {
    TokenRole.GOV_CORP: Role.GOV_CORP,
    TokenRole.DEPARTMENT: Role.SPECIALIST,
    TokenRole.CALL_CENTRE: Role.CALL_CENTRE,
}


@transaction.atomic
def issue_token(
    *,
    organisation: Organisation,
    role: str,
    name: str,
    actor=None,
    expires_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its secret; the secret is returned once and never stored."""
    now = now or clock.now()
    expires_at = expires_at or now + MAX_TOKEN_LIFETIME
    if not now < expires_at <= now + MAX_TOKEN_LIFETIME:
        raise ValidationError({"expires_at": _("A token lives at most 90 days.")})
    secret = secrets.token_urlsafe(32)
    prefix = secret[:PREFIX_LENGTH]
    service_user = User(
        username=f"api-{prefix}-{secrets.token_hex(4)}",
        role=SERVICE_USER_ROLE[TokenRole(role)],
        is_staff=False,
        first_name=organisation.name[:150],
        last_name=name[:150],
    )
    service_user.set_unusable_password()
    service_user.save()
    if role == TokenRole.DEPARTMENT:
        service_user.districts.set(organisation.districts.all())
    token = ApiToken(
        organisation=organisation,
        role=role,
        name=name,
        prefix=prefix,
        key_hash=hash_secret(secret),
        service_user=service_user,
        created_at=now,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    record(
        action=AuditAction.API_TOKEN_ISSUED,
        target=token,
        actor=actor,
        at=now,
        details={"organisation": organisation.pk, "role": role, "prefix": prefix},
    )
    return token, secret


@transaction.atomic
def revoke_token(*, token: ApiToken, actor=None, now: datetime.datetime | None = None) -> ApiToken:
    """Stop a token at once: the next request with it is refused. Revoking twice changes nothing."""
    now = now or clock.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db()
    if updated:
        User.objects.filter(pk=token.service_user_id).update(is_active=False)
        record(
            action=AuditAction.API_TOKEN_REVOKED,
            target=token,
            actor=actor,
            at=now,
            details={"prefix": token.prefix},
        )
    return token
