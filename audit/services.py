"""The one function that writes the audit trail, and its variants for many events of one action."""

import datetime

from django.db import models

from core import clock
from core.inserts import insert_select
from core.metrics import count_event

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
    count_event(action)
    return event


_EVENTS_SQL = "SELECT CAST(events.target_id AS VARCHAR(64)), events.details FROM ({select}) AS events"


def record_select(
    *,
    action: str,
    model: type[models.Model],
    select: str,
    params: dict,
    actor=None,
    at: datetime.datetime | None = None,
) -> int:
    """``record`` for many events of one action chosen in SQL: one INSERT ... SELECT, no row in Python.

    The same rules as ``record``: inside the transaction of the change, never a secret in ``details``;
    the actor, the time, the address and the request id are the same for every event.

    ``select`` yields one row per event, with columns named ``target_id`` and
    ``details``, the details a JSON object built in SQL
    (``core.inserts.json_object_sql``); ``params`` are its named parameters.
    Returns how many were recorded.
    """
    recorded = insert_select(
        AuditEvent,
        shared={
            **_shared(action=action, actor=actor, at=at or clock.now()),
            "target_type": model._meta.label_lower,
        },
        columns=("target_id", "details"),
        select=_EVENTS_SQL.format(select=select),
        params=params,
    )
    count_event(action, recorded)
    return recorded


def _event(*, action: str, target, actor, details: dict | None, at: datetime.datetime | None) -> AuditEvent:
    return AuditEvent(
        **_shared(action=action, actor=actor, at=at or clock.now()),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        details=details or {},
    )


def _shared(*, action: str, actor, at: datetime.datetime) -> dict:
    """The fields of an event that come from who acts, when and in which request, not from its target."""
    request_context = context.current()
    return {
        "at": at,
        "actor": actor if actor is not None and actor.is_authenticated else None,
        "actor_role": getattr(actor, "role", "") if actor is not None else "system",
        "action": action,
        "ip_address": request_context.ip_address,
        "request_id": request_context.request_id,
    }
