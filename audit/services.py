"""The one function that writes the audit trail, and its variants for many events of one action."""

import datetime
from collections.abc import Iterable

from django.db import connection, models

from core import clock
from core.inserts import insert_rows, insert_select

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


def record_rows(
    *,
    action: str,
    model: type[models.Model],
    events: Iterable[tuple[object, dict]],
    actor=None,
    at: datetime.datetime | None = None,
) -> int:
    """``record_many`` for ``(primary key, details)`` of targets of one ``model``: rows, not instances.

    The same events as ``record_many`` writes, without building an instance of
    ``model`` or of ``AuditEvent`` per event (a national bulletin opens tens of
    thousands of accesses). Returns how many were recorded.
    """
    details_field = AuditEvent._meta.get_field("details")
    target_type = model._meta.label_lower
    rows = insert_rows(
        AuditEvent,
        shared=_shared(action=action, actor=actor, at=at or clock.now()),
        columns=("target_type", "target_id", "details"),
        rows=(
            (target_type, str(pk), details_field.get_db_prep_save(details, connection))
            for pk, details in events
        ),
    )
    return len(rows)


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
    """``record_rows`` for events chosen in SQL, which never reach Python: one INSERT ... SELECT.

    ``select`` yields one row per event, with columns named ``target_id`` and
    ``details``, the details a JSON object built in SQL
    (``core.inserts.json_object_sql``); ``params`` are its named parameters.
    Returns how many were recorded.
    """
    return insert_select(
        AuditEvent,
        shared={
            **_shared(action=action, actor=actor, at=at or clock.now()),
            "target_type": model._meta.label_lower,
        },
        columns=("target_id", "details"),
        select=_EVENTS_SQL.format(select=select),
        params=params,
    )


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
