"""Who is acting and from where, for the audit trail and the logs, without threading requests everywhere.

The middleware sets it for each web request; Celery tasks and commands run with
the empty default (the system acting).
"""

import contextvars
import logging
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


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record, so a log line joins the audit events of its request.

    Django's ``django.request`` logs a failed response after the middleware has
    returned and the context is gone; that record carries the request itself,
    which the middleware has labelled. Outside a request the id is ``-``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", "") or current().request_id or "-"
        return True
