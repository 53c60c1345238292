"""At most ``INTEGRATION_API_RATE`` requests per token and per client address (issue 5, item 6)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.addresses import client_address
from core.ratelimit import within_limit

from ..identity import ServiceIdentity


class _IntegrationThrottle(SimpleRateThrottle):
    """DRF's throttle counted as every other limit of Kezek is: ``core.ratelimit``'s fixed window.

    DRF's own keeps the time of every request of the window in one cache entry,
    read and written whole on each call: at a call centre's rate that list is
    thousands long and cost most of a look-up (issue 11's profile). A counter
    costs one Redis round trip whatever the rate.
    """

    def get_rate(self) -> str:
        # Read on each request, so a test (or an operator) can change the setting without a restart.
        return settings.INTEGRATION_API_RATE

    def allow_request(self, request, view) -> bool:
        who = self.get_cache_key(request, view)
        if who is None:
            return True
        limit, self.duration = self.parse_rate(self.get_rate())
        return within_limit(self.scope, who, limit=limit, window_seconds=self.duration)

    def wait(self) -> float:
        return self.duration

    def get_ident(self, request) -> str:
        """The client as every other limit sees it (``core.addresses``), not DRF's ``NUM_PROXIES`` guess."""
        return client_address(request) or "unknown"


class TokenRateThrottle(_IntegrationThrottle):
    scope = "integration_token"

    def get_cache_key(self, request, view):
        if not isinstance(request.user, ServiceIdentity):
            return None
        return str(request.user.token.pk)


class AddressRateThrottle(_IntegrationThrottle):
    scope = "integration_address"

    def get_cache_key(self, request, view):
        return self.get_ident(request)
