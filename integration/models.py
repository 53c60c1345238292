"""Organisations that integrate with Kezek, their API tokens and stored idempotent responses.

A token's secret is never stored: only its SHA-256 and its first characters
(the prefix, shown in the admin so a token can be recognised). The secret is
shown once, when the token is issued.
"""

import datetime
import hashlib

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .choices import OrganisationKind, TokenRole

MAX_TOKEN_LIFETIME = datetime.timedelta(days=90)
PREFIX_LENGTH = 8


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=255, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    districts = models.ManyToManyField(
        "directory.District",
        blank=True,
        related_name="+",
        verbose_name=_("districts"),
        help_text=_("For an education department: the districts whose settlements it serves."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A system's key to the API: one organisation, one role, at most 90 days, revocable at once."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="tokens", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=32, choices=TokenRole.choices)
    name = models.CharField(_("name"), max_length=100, help_text=_("Which system uses it."))
    prefix = models.CharField(_("key prefix"), max_length=PREFIX_LENGTH, editable=False, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_token",
        editable=False,
        verbose_name=_("service user"),
        help_text=_("The identity the token acts as in the use cases and the audit trail."),
    )
    created_at = models.DateTimeField(_("created"), editable=False)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at"))
                & Q(expires_at__lte=F("created_at") + MAX_TOKEN_LIFETIME),
                name="api_token_lifetime_at_most_90_days",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.name} ({self.prefix}…)"

    def is_usable(self, now: datetime.datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class IdempotentResponse(models.Model):
    """The first response to a submission with an ``Idempotency-Key``, replayed on a retry."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    body = models.JSONField(_("body"))
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("idempotent response")
        verbose_name_plural = _("idempotent responses")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="idempotency_key_unique_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.key}"
