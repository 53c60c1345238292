from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementsConfig(AppConfig):
    name = "placements"
    verbose_name = _("Placements")

    def ready(self):
        from applications.panels import register_panel
        from applications.withdrawals import register_give_up
        from bulletins.statistics import register_placement_figures
        from core.admin import index_sections

        from . import tasks  # noqa: F401 (registers the tasks that services enqueue by name)
        from .figures import section as figures_section
        from .panels import referral_state, referral_state_version
        from .services import give_up_on_withdrawal
        from .statistics import figures
        from .today import section

        register_panel(referral_state, state=referral_state_version)
        register_give_up(give_up_on_withdrawal)
        index_sections.append(section)  # the specialist's day on the admin's index
        index_sections.append(figures_section)  # and the figures of the districts in scope, side by side
        # The public statistics (bulletins, below this app) count referrals through this hook.
        register_placement_figures(figures)
