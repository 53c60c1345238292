"""One error shape for the whole API (STYLE.md, HackSoft's exception handler).

Every error, DRF's own, a ``DomainError`` of a use case or Django's
``ValidationError``, leaves as ``{"error": {"code", "message", "fields"}}``
with the message in the language the view activated from ``Accept-Language``.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError

#: Domain errors that are not a plain 400.
DOMAIN_STATUS = {
    "out_of_scope": status.HTTP_403_FORBIDDEN,
    "child_has_active_application": status.HTTP_409_CONFLICT,
}


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used with a different request body."


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        fields = {exc.field: [str(exc.message)]} if exc.field else {}
        status_code = DOMAIN_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST)
        return Response(error_body(exc.code, str(exc.message), fields), status=status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _reshape(exc)
    return response


def _reshape(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = {name: _flatten(value) for name, value in detail.items()}
        return error_body("invalid", _("The request is not valid: see the fields."), fields)
    if isinstance(exc, IdempotencyKeyReused):
        return error_body(exc.default_code, _("This Idempotency-Key was used with a different request body."))
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    return error_body(code, str(exc.detail))


def _flatten(value):
    """Field errors as lists of strings; nested objects (child, applicant) keep their shape."""
    if isinstance(value, dict):
        return {name: _flatten(inner) for name, inner in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(item, dict) for item in value):
            return [_flatten(item) for item in value]
        return [str(item) for item in value]
    return [str(value)]


def _django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {field: [str(message) for message in messages] for field, messages in exc.message_dict.items()}
    return {"non_field_errors": [str(message) for message in exc.messages]}
