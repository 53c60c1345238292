"""Where children can go: districts, settlements, kindergartens and their groups."""

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.scoping import RestrictedQuerySet

from .choices import GroupLanguage, KindergartenKind, Ownership, SettlementKind

kato_validator = RegexValidator(r"^\d{9}$", _("A KATO code is nine digits."))


class BilingualName(models.Model):
    """A name kept in Kazakh and Russian, shown in the language of the request."""

    name_kk = models.CharField(_("name (Kazakh)"), max_length=255)
    name_ru = models.CharField(_("name (Russian)"), max_length=255)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_ru if get_language() == "ru" else self.name_kk


class Region(BilingualName):
    """A region (облыс) or a city of republican significance: the first step of the front page's map.

    Its KATO code is the first two digits of its districts' codes followed by zeros
    (75 Almaty, 71 Astana, 79 Shymkent); ``region_kato`` gives it for any code.
    """

    kato_code = models.CharField(_("KATO code"), max_length=9, unique=True, validators=[kato_validator])

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["kato_code"]


def region_kato(kato_code: str) -> str:
    """The KATO code of the region holding ``kato_code``: its first two digits, then zeros."""
    return kato_code[:2].ljust(9, "0")


class District(BilingualName):
    """An education department's area: a district or a city of regional status.

    Staff are assigned to districts, and see only their settlements.
    """

    kato_code = models.CharField(_("KATO code"), max_length=9, unique=True, validators=[kato_validator])
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="districts", verbose_name=_("region")
    )

    objects = RestrictedQuerySet.as_manager()
    scope_path = "id"

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["kato_code"]


class Settlement(BilingualName):
    """A city, town or village; queues never span settlements (RULES.md section 2)."""

    kato_code = models.CharField(_("KATO code"), max_length=9, unique=True, validators=[kato_validator])
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("district")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SettlementKind.choices)

    objects = RestrictedQuerySet.as_manager()
    scope_path = "district"

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["kato_code"]


class Kindergarten(BilingualName):
    settlement = models.ForeignKey(
        Settlement, on_delete=models.PROTECT, related_name="kindergartens", verbose_name=_("settlement")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=KindergartenKind.choices)
    ownership = models.CharField(_("ownership"), max_length=16, choices=Ownership.choices)
    address = models.CharField(_("address"), max_length=255)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path = "settlement__district"

    class Meta:
        verbose_name = _("kindergarten")
        verbose_name_plural = _("kindergartens")
        ordering = ["settlement", "name_kk"]

    @property
    def languages(self) -> list[str]:
        """The languages taught here: those of its groups, so the two can never disagree."""
        return sorted({group.language for group in self.groups.all()})


class Group(models.Model):
    """A group of a kindergarten: children of one birth year, in one language and kind."""

    kindergarten = models.ForeignKey(
        Kindergarten, on_delete=models.PROTECT, related_name="groups", verbose_name=_("kindergarten")
    )
    name = models.CharField(_("group name"), max_length=100)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    language = models.CharField(_("language"), max_length=8, choices=GroupLanguage.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=KindergartenKind.choices)
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MinValueValidator(1)])

    objects = RestrictedQuerySet.as_manager()
    scope_path = "kindergarten__settlement__district"

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["kindergarten", "birth_year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kindergarten", "name"], name="group_name_unique_in_kindergarten"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="group_capacity_positive"),
            models.CheckConstraint(condition=Q(birth_year__gte=1990), name="group_birth_year_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.kindergarten} — {self.name}"
