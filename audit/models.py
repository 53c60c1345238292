"""The append-only audit trail (RULES.md section 5: every action, nobody can edit)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.dates import format_datetime

from .vocabulary import label_of, record_kind


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly

    def delete(self):
        raise AuditTrailIsAppendOnly

    def for_target(self, target_type: str, target_id) -> "AuditEventQuerySet":
        return self.filter(target_type=target_type, target_id=str(target_id))


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to change or remove a recorded event."""


class AuditEvent(models.Model):
    """One thing that happened: who did what, when, from where, to which record.

    Rows are only ever inserted. The model refuses updates and deletes, the admin
    shows it read-only, and on PostgreSQL and SQLite a database trigger refuses
    UPDATE and DELETE too, so not even a superuser with a shell can quietly edit history
    through the application's connection.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_role = models.CharField(_("role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("record type"), max_length=64)
    target_id = models.CharField(_("record"), max_length=64)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"], name="audit_target_time")]

    def __str__(self) -> str:
        when = format_datetime(self.at, seconds=True)
        return f"{when} {label_of(self.action)} {record_kind(self.target_type)} {self.target_id}".rstrip()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditTrailIsAppendOnly
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly
