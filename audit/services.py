"""The one function that writes the audit trail, and its variant for many events of one action."""

import datetime
from collections.abc import Iterable

from django.db import models

from core import clock

from . import context
from .models import AuditEvent


def record(
    *,
    action: str,
    target: models.Model | None,
    actor=None,
    details: dict | None = None,
    at: datetime.datetime | None = None,
) -> AuditEvent:
    """Append one event about ``target``. Call it inside the transaction of the change it records.

    ``target`` is ``None`` only when no record is concerned: a refused sign-in
    with an unknown username, a refused page visited without signing in.

    ``actor`` is the user acting, or ``None`` when the system acts (a scheduled
    job). The client address and request id come from the request context.
    ``details`` must never hold a one-time code, a token or a file's contents.
    """
    event = _event(action=action, target=target, actor=actor, details=details, at=at)
    event.save()
    return event


def record_many(
    *,
    action: str,
    events: Iterable[tuple[models.Model | None, dict]],
    actor=None,
    at: datetime.datetime | None = None,
) -> list[AuditEvent]:
    """``record`` for many ``(target, details)`` of one action: one insert (a bulletin opens thousands).

    The same rules as ``record``: inside the transaction of the change, never a secret in ``details``.
    """
    at = at or clock.now()
    return AuditEvent.objects.bulk_create(
        _event(action=action, target=target, actor=actor, details=details, at=at)
        for target, details in events
    )


def _event(*, action: str, target, actor, details: dict | None, at: datetime.datetime | None) -> AuditEvent:
    request_context = context.current()
    return AuditEvent(
        at=at or clock.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_role=getattr(actor, "role", "") if actor is not None else "system",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        details=details or {},
        ip_address=request_context.ip_address,
        request_id=request_context.request_id,
    )
