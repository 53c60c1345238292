from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scoping import Action

__all__ = ["Action", "Role"]  # Action lives in core.scoping, below the audit trail; kept importable here


class Role(models.TextChoices):
    """What a user is to the service (RULES.md section 1). Each role's reach is in ``User.district_scope``."""

    PARENT = "parent", _("Parent or legal representative")
    SPECIALIST = "specialist", _("Education department specialist")
    GOV_CORP = "gov_corp", _("Service centre operator")
    KINDERGARTEN = "kindergarten", _("Kindergarten staff")
    CALL_CENTRE = "call_centre", _("Call-centre operator")
    ADMINISTRATOR = "administrator", _("National administrator")
