from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SettlementKind(models.TextChoices):
    CITY = "city", _("City")
    TOWN = "town", _("Town")
    VILLAGE = "village", _("Village")


class KindergartenKind(models.TextChoices):
    """Also the kinds of queue (RULES.md section 2): a group's kind is the queue it serves."""

    GENERAL = "general", pgettext_lazy("queue kind", "General")
    SPECIAL = "special", _("Special")
    SANATORIUM = "sanatorium", _("Sanatorium")


class Ownership(models.TextChoices):
    STATE = "state", pgettext_lazy("ownership", "State")
    PRIVATE = "private", _("Private")


class GroupLanguage(models.TextChoices):
    KAZAKH = "kk", _("Kazakh")
    RUSSIAN = "ru", _("Russian")
    MIXED = "mixed", _("Mixed")
