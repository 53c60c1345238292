"""The one function that writes the audit trail."""

import datetime

from django.db import models

from core import clock

from . import context
from .models import AuditEvent


def record(
    *,
    action: str,
    target: models.Model,
    actor=None,
    details: dict | None = None,
    at: datetime.datetime | None = None,
) -> AuditEvent:
    """Append one event about ``target``. Call it inside the transaction of the change it records.

    ``actor`` is the user acting, or ``None`` when the system acts (a scheduled
    job). The client address and request id come from the request context.
    ``details`` must never hold a one-time code, a token or a file's contents.
    """
    request_context = context.current()
    return AuditEvent.objects.create(
        at=at or clock.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_role=getattr(actor, "role", "") if actor is not None else "system",
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        details=details or {},
        ip_address=request_context.ip_address,
        request_id=request_context.request_id,
    )
