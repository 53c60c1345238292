"""Who is acting and from where, for the audit trail, without threading requests everywhere.

The middleware sets it for each web request; Celery tasks and commands run with
the empty default (the system acting).
"""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    request_id: str = ""


_NO_REQUEST = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_request_context", default=None
)


def current() -> RequestContext:
    return _current.get() or _NO_REQUEST


def bind(context: RequestContext) -> contextvars.Token:
    return _current.set(context)


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)
