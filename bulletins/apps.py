from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "bulletins"
    verbose_name = _("Bulletins")

    def ready(self):
        from applications.panels import register_panel

        from . import tasks  # noqa: F401 (registers the tasks that services enqueue by name)
        from .panels import openings_panel

        register_panel(openings_panel)
