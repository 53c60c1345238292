from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    SERVICE_CENTRE = "service_centre", _("Service centre (Government for Citizens)")
    DEPARTMENT = "department", _("Education department")
    CALL_CENTRE = "call_centre", _("Call centre")


class TokenRole(models.TextChoices):
    """What a system may do through the API (issue 5, item 1)."""

    GOV_CORP = "gov_corp", _("Service centre system: submits applications")
    DEPARTMENT = "department", _("Department system: its own settlements")
    CALL_CENTRE = "call_centre", _("Call centre: read-only look-ups, country-wide")
