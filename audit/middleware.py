"""Binds the client address and a request id to the audit context of each request."""

import uuid

from . import context


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        token = context.bind(
            context.RequestContext(ip_address=client_address(request), request_id=request_id)
        )
        try:
            response = self.get_response(request)
        finally:
            context.unbind(token)
        response["X-Request-ID"] = request_id
        return response


def client_address(request) -> str | None:
    """The peer address; behind a proxy, gunicorn's forwarded-allow-ips sets REMOTE_ADDR from it."""
    return request.META.get("REMOTE_ADDR") or None
