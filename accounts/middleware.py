"""Signs a person out when their session is past its idle or absolute limit (``accounts.sessions``).

Placed after the authentication, django-otp and messages middleware: it needs
the user, and leaves a message for the sign-in page.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils.translation import ngettext

from audit.services import record
from audit.vocabulary import AuditAction
from core import clock

from . import sessions

API_PATH_PREFIX = "/api/"


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            reason = sessions.expiry_reason(request.session, user, clock.now())
            if reason is not None:
                return self.signed_out(request, user, reason)
        return self.get_response(request)

    def signed_out(self, request, user, reason: str):
        """Flush the session on the server, then send the person to their own sign-in page (API: 401)."""
        staff = user.is_staff_member
        message = _message(sessions.lifetime_of(user), reason)
        record(
            action=AuditAction.SIGN_IN_SESSION_EXPIRED, target=user, actor=user, details={"reason": reason}
        )
        logout(request)
        if request.path_info.startswith(API_PATH_PREFIX):
            body = {"error": {"code": "session_expired", "message": message, "fields": {}}}
            return JsonResponse(body, status=401, headers={"WWW-Authenticate": 'Bearer realm="api"'})
        messages.info(request, message)
        return redirect_to_login(
            request.get_full_path(), login_url=settings.LOGIN_URL if staff else "accounts:sign_in"
        )


def _message(lifetime: sessions.Lifetime, reason: str) -> str:
    if reason == sessions.IDLE:
        minutes = int(lifetime.idle.total_seconds() // 60)
        return ngettext(
            "For your safety you were signed out after %(minutes)d minute without activity. "
            "Please sign in again.",
            "For your safety you were signed out after %(minutes)d minutes without activity. "
            "Please sign in again.",
            minutes,
        ) % {"minutes": minutes}
    hours = int(lifetime.absolute.total_seconds() // 3600)
    return ngettext(
        "For your safety you were signed out %(hours)d hour after signing in. Please sign in again.",
        "For your safety you were signed out %(hours)d hours after signing in. Please sign in again.",
        hours,
    ) % {"hours": hours}
