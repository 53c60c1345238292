from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Background tasks")

    def ready(self):
        from core.metrics import register_gauges

        from . import tasks  # noqa: F401 (registers the tasks that services enqueue by name)
        from .metrics import outbox_backlog

        register_gauges(outbox_backlog)
