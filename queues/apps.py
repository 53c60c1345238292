from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueuesConfig(AppConfig):
    name = "queues"
    verbose_name = _("Queues")

    def ready(self):
        from audit.vocabulary import describe_codes
        from directory.choices import KindergartenKind

        from . import tasks  # noqa: F401 (registers the tasks that services enqueue by name)
        from .choices import BenefitClass

        # The codes written into the audit trail's details: a class by its name, the kinds of queues left.
        describe_codes(
            "class", [(benefit_class.name.lower(), benefit_class.label) for benefit_class in BenefitClass]
        )
        describe_codes("queue_kinds", KindergartenKind.choices)
