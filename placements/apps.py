from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementsConfig(AppConfig):
    name = "placements"
    verbose_name = _("Placements")

    def ready(self):
        from core.admin import index_sections

        from .today import section

        index_sections.append(section)  # the specialist's day on the admin's index
