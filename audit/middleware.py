"""Binds the client address and a request id to each request, and records refused access.

The request id joins a log line to the audit events of the same request
(docs/security.md, "Logs and the audit trail"). It comes from the
``X-Request-ID`` header only when ``REQUEST_ID_FROM_PROXY`` says the proxy in
front sets that header itself, and only from that proxy (``TRUSTED_PROXIES``);
a client's own header reaching the web node is never trusted, since it could
tie its requests to somebody else's. (The proxy may pass on a well-formed id
its client sent, as the cluster's nginx does, so a trace joins up across
systems; a client may then repeat an id seen elsewhere, which muddles a search
by id but attributes nothing: each event keeps its own actor, address and time.)
"""

import re
import uuid

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from core.addresses import client_address, from_trusted_proxy
from core.logging import mask

from . import context
from .services import record
from .vocabulary import AuditAction

REQUEST_ID_FORMAT = re.compile(r"[A-Za-z0-9._\-]{1,64}")


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_of(request)
        token = context.bind(
            context.RequestContext(ip_address=client_address(request), request_id=request.request_id)
        )
        try:
            response = self.get_response(request)
            if is_refused_access(request, response):
                record_refused_access(request, response)
        finally:
            context.unbind(token)
        response["X-Request-ID"] = request.request_id
        return response


def request_id_of(request) -> str:
    """The trusted proxy's id of this request, or a new one (uuid4 hex).

    The proxy's header is believed only from a peer in ``TRUSTED_PROXIES``: a
    web node reached past the load balancer is sent the client's own header.
    """
    if settings.REQUEST_ID_FROM_PROXY and from_trusted_proxy(request):
        given = request.headers.get("X-Request-ID", "")
        if REQUEST_ID_FORMAT.fullmatch(given):
            return given
    return uuid.uuid4().hex


def acting_user(request):
    """The user behind the request: an API identity acts as its service or staff user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "service_user", user)


def is_refused_access(request, response) -> bool:
    """Every 403; and a 404 a signed-in staff member got from a page that exists (a record out of scope).

    A 404 without a matched URL (a typo) or a parent's is not an access question. The user model
    says who is staff (``is_staff_member``): the audit trail sits below accounts and imports nothing of it.
    """
    if response.status_code == 403:
        return True
    if response.status_code != 404:
        return False
    user = acting_user(request)
    match = getattr(request, "resolver_match", None)
    return user is not None and user.is_staff_member and match is not None and match.url_name is not None


def record_refused_access(request, response) -> None:
    """One ``access.refused`` event: the path without its query string, the method and the status."""
    user = acting_user(request)
    record(
        action=AuditAction.ACCESS_REFUSED,
        target=user,
        actor=user if user is not None else AnonymousUser(),
        details={"path": mask(request.path), "method": request.method, "status": response.status_code},
    )
