"""Log records leave the process without personal data or secrets (issue 6 item 7; docs/security.md).

``MaskPersonalData`` sits on every handler of ``settings.LOGGING``: whatever a
library or our code writes, an IIN, a phone number, a one-time code, a Bearer
token or a session cookie is masked before the line is written. Our own code
masks at the source as well (``accounts.services.mask_iin``,
``core.outbox.mask_recipient``); this filter is the net under it.
"""

import logging
import re

from pythonjsonlogger.json import JsonFormatter

#: A 12-digit run that is not part of a longer number or a hexadecimal id (a request id, a UUID).
IIN = re.compile(r"(?<![0-9A-Fa-f])(\d{6})\d{6}(?![0-9A-Fa-f])")
#: +7 and ten digits, as every phone is stored.
PHONE = re.compile(r"\+7\d{6}(\d{4})(?!\d)")
#: A message about a sign-in or a code: any six-digit run in it may be the code itself.
CODE_CONTEXT = re.compile(r"code|код|sign.?in|кіру|вход", re.IGNORECASE)
CODE = re.compile(r"(?<![\d*])\d{6}(?![\d*])")  # not the kept half of a masked IIN
BEARER = re.compile(r"(Bearer|Token)\s+[\w\-.~+/]+=*", re.IGNORECASE)
#: A session or CSRF cookie (``sessionid``, ``__Host-session``, ...) or form field, and its value.
COOKIE = re.compile(r"([\w-]*(?:session|csrf)[\w-]*)(['\"]?\s*[=:]\s*['\"]?)[\w\-.:]+", re.IGNORECASE)


def mask(text: str) -> str:
    """``text`` with IINs as ``210315******``, phones as ``+7******1234`` and secrets hidden."""
    text = IIN.sub(r"\1******", text)
    text = PHONE.sub(r"+7******\1", text)
    text = BEARER.sub(r"\1 [hidden]", text)
    text = COOKIE.sub(r"\1\2[hidden]", text)
    if CODE_CONTEXT.search(text):
        text = CODE.sub("******", text)
    return text


class MaskPersonalData(logging.Filter):
    """Rewrites a record's message and traceback masked, once, before any handler formats it.

    The record is changed in place, so every handler after this one writes the
    masked text too. A traceback is masked because database errors quote the
    values they refused (``Key (iin)=(...) already exists``).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "masked", False):
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: the handler reports it, unmasked args never
            message = str(record.msg)
        record.msg = mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        record.masked = True
        return True


class JsonLines(JsonFormatter):
    """One JSON object a line (``LOG_FORMAT=json``), with the fields of the plain line and nothing else.

    A record's extras stay out: ``django.request`` attaches the request itself,
    whose text holds the path and its query, which ``MaskPersonalData`` never saw.
    The traceback is the masked one that filter left in ``exc_text``; a formatter
    used without the filter masks it here.
    """

    def add_fields(self, log_data, record, message_dict) -> None:
        for field in self._required_fields:
            log_data[self._get_rename(field)] = record.__dict__.get(field)
        for key in ("exc_info", "stack_info"):
            if message_dict.get(key):
                log_data[key] = message_dict[key]

    def formatException(self, ei) -> str:
        return mask(super().formatException(ei))

    def formatStack(self, stack_info) -> str:
        return mask(super().formatStack(stack_info))
