from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "bulletins"
    verbose_name = _("Bulletins")

    def ready(self):
        from applications.panels import register_panel
        from applications.withdrawals import register_give_up

        from . import tasks  # noqa: F401 (registers the tasks that services enqueue by name)
        from .panels import openings_panel, openings_version
        from .services import give_up_accesses

        register_panel(openings_panel, state=openings_version)
        register_give_up(give_up_accesses)
