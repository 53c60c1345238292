"""At most ``INTEGRATION_API_RATE`` requests per token and per client address (issue 5, item 6)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.addresses import client_address

from ..identity import ServiceIdentity


class _IntegrationThrottle(SimpleRateThrottle):
    def get_rate(self) -> str:
        # Read on each request, so a test (or an operator) can change the setting without a restart.
        return settings.INTEGRATION_API_RATE

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_ident(self, request) -> str:
        """The client as every other limit sees it (``core.addresses``), not DRF's ``NUM_PROXIES`` guess."""
        return client_address(request) or "unknown"


class TokenRateThrottle(_IntegrationThrottle):
    scope = "integration_token"

    def get_cache_key(self, request, view):
        if not isinstance(request.user, ServiceIdentity):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.token.pk}


class AddressRateThrottle(_IntegrationThrottle):
    scope = "integration_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
