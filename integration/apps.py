from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationConfig(AppConfig):
    name = "integration"
    verbose_name = _("Integration API")

    def ready(self):
        from audit.vocabulary import describe_codes

        from .desk import REASONS

        describe_codes("reason", REASONS)  # why a desk or the API looked an application up
