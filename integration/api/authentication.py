"""``Authorization: Bearer <token>`` for systems (never a token in a URL: it would end up in logs),
and the Django session for signed-in staff in the browser, with CSRF enforced for unsafe methods."""

import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from core import clock

from ..identity import ServiceIdentity, staff_identity
from ..models import ApiToken, hash_secret

KEYWORD = "Bearer"
#: How stale a token's "last used" may be: stamped at most once a minute, so a busy token (a call
#: centre's, hundreds of look-ups a minute) does not write and commit a row on every request (issue 11).
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header must be 'Bearer <token>'."))
        try:
            secret = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        token = (
            ApiToken.objects.select_related("organisation", "service_user")
            .filter(key_hash=hash_secret(secret))
            .first()
        )
        now = clock.now()
        if token is None or not token.is_usable(now):
            raise exceptions.AuthenticationFailed(_("The token is not valid, revoked or expired."))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return ServiceIdentity(token), token

    def authenticate_header(self, request) -> str:
        return f'{KEYWORD} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}


class StaffSessionAuthentication(authentication.SessionAuthentication):
    """A signed-in staff user as a ``StaffIdentity``; other signed-in users stay users, refused (403).

    A staff session that has given only the password is refused (401) until it
    passes the second factor (docs/security.md, "Staff second factor").
    """

    def authenticate(self, request):
        result = super().authenticate(request)  # None when not signed in; enforces CSRF otherwise
        if result is None:
            return None
        user = result[0]
        if user.is_staff_member and not user.is_verified():
            raise exceptions.AuthenticationFailed(
                _("Finish signing in with the code from your authenticator app first.")
            )
        return (staff_identity(user) or user), None


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = StaffSessionAuthentication
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
