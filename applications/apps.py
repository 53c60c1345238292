from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self):
        from accounts.models import Applicant
        from audit.vocabulary import describe_codes
        from core.scoping import register_scope_path
        from queues.services import register_expiry

        from . import tasks  # noqa: F401 (registers the tasks that services enqueue by name)
        from .choices import BenefitCategory, Channel
        from .services import expire_benefits_of

        register_expiry(expire_benefits_of)
        # A parent lies in the districts of their applications: a relation accounts does not know.
        register_scope_path(Applicant, "applications__settlement__district")
        # The codes this app writes into the audit trail's details, read in words there.
        describe_codes("channel", Channel.choices)
        describe_codes("category", BenefitCategory.choices)
