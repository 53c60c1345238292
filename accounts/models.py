"""Who uses the service: staff users with their scope, and parents (applicants)."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.iin import validate_iin
from core.scoping import RestrictedQuerySet

from .choices import Action, Role

phone_validator = RegexValidator(
    r"^\+7\d{10}$", _("Enter a mobile number as +7 and ten digits, for example +77011234567.")
)


class User(AbstractUser):
    """A person who signs in. Staff have a role and the districts or kindergartens they act on."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.PARENT)
    districts = models.ManyToManyField(
        "directory.District", blank=True, related_name="staff", verbose_name=_("districts")
    )
    kindergartens = models.ManyToManyField(
        "directory.Kindergarten", blank=True, related_name="staff", verbose_name=_("kindergartens")
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_national_administrator(self) -> bool:
        return self.is_superuser or self.role == Role.ADMINISTRATOR

    @property
    def uses_staff_admin(self) -> bool:
        """Specialists and national administrators work in the admin; other staff get desks of their own."""
        return (
            self.is_active
            and self.is_staff
            and (self.is_national_administrator or self.role == Role.SPECIALIST)
        )

    def district_scope(self, action: str) -> set[int] | None:
        """The districts this user may ``action`` on: ``None`` means the whole country.

        Superusers and national administrators reach everything; a call-centre
        operator may view country-wide and change nothing; a specialist acts
        on the assigned districts only; every other role reaches no district
        through staff screens (parents see their own records by ownership).
        """
        if self.is_national_administrator:
            return None
        if self.role == Role.CALL_CENTRE:
            return None if action == Action.VIEW else set()
        if self.role == Role.SPECIALIST:
            return set(self.assigned_district_ids)
        return set()

    @cached_property
    def assigned_district_ids(self) -> frozenset[int]:
        """Read once per loaded user (a request), since every scoped query of a page asks for it."""
        return frozenset(self.districts.values_list("id", flat=True))


class Applicant(models.Model):
    """A parent or legal representative, and the owner of a personal cabinet (RULES.md section 7).

    An application entered on paper creates the applicant with the phone it
    carries, so the cabinet exists before the parent first signs in; ``user``
    is linked at that first sign-in.
    """

    iin = models.CharField(_("IIN"), max_length=12, unique=True, validators=[validate_iin])
    surname = models.CharField(_("surname"), max_length=100)
    name = models.CharField(_("name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=12, validators=[phone_validator])
    phone2 = models.CharField(
        _("second mobile phone"), max_length=12, blank=True, validators=[phone_validator]
    )
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.OneToOneField(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applicant",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path = "applications__settlement__district"

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")

    def __str__(self) -> str:
        return f"{self.surname} {self.name}"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.name, self.patronymic) if part)
