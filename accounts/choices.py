from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scoping import Action

# Action lives in core.scoping, below the audit trail; kept importable here
__all__ = ["Action", "NoticeChannel", "Role"]


class Role(models.TextChoices):
    """What a user is to the service (RULES.md section 1). Each role's reach is in ``User.district_scope``."""

    PARENT = "parent", _("Parent or legal representative")
    SPECIALIST = "specialist", _("Education department specialist")
    GOV_CORP = "gov_corp", _("Service centre operator")
    KINDERGARTEN = "kindergarten", _("Kindergarten staff")
    CALL_CENTRE = "call_centre", _("Call-centre operator")
    ADMINISTRATOR = "administrator", _("National administrator")


class NoticeChannel(models.TextChoices):
    """How a parent chose to be told of a notice they asked for (issue 12 item 4: moves of a position)."""

    SMS = "sms", _("By SMS")
    EMAIL = "email", _("By e-mail")
