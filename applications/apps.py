from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self):
        from queues.services import register_expiry

        from .services import expire_benefits_of

        register_expiry(expire_benefits_of)
