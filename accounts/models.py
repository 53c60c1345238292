"""Who uses the service: staff users with their scope, parents (applicants), and their one-time codes."""

import hashlib
import hmac
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.dates import format_datetime
from core.iin import validate_iin
from core.scoping import RestrictedQuerySet

from . import authorization
from .choices import NoticeChannel, Role

phone_validator = RegexValidator(
    r"^\+7\d{10}$", _("Enter a mobile number as +7 and ten digits, for example +77011234567.")
)


#: The desks outside the admin, by the role that works there (placements.desk, integration.desk).
DESK_URL_NAMES = {
    Role.KINDERGARTEN: "kindergarten_desk:referrals",
    Role.CALL_CENTRE: "callcentre_desk:lookup",
    Role.PARENT: "applications:cabinet",
}


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

    def __str__(self) -> str:
        """A person as staff and parents read them everywhere (issue 14): name and role, never the username.

        A parent's username is internal (``parent-2a28…``), a staff member's is
        only for signing in; the admin's lists, its history, the audit trail and
        every page that prints a user show this instead.
        """
        name = " ".join(part for part in (self.last_name, self.first_name) if part)
        role = self.get_role_display()
        return f"{name} ({role})" if name else str(role)

    def get_short_name(self) -> str:
        """The admin's greeting: the first name, else the role; never the username Django falls back to."""
        return self.first_name or str(self.get_role_display())

    # The rules are ``accounts.authorization``'s; the user answers them for the code that only holds a user
    # (``core.scoping.restrict``, the audit trail, the admin), which may not import accounts.

    @property
    def is_staff_member(self) -> bool:
        """Signs in with a password and a second factor, and has the shorter session (issue 6)."""
        return authorization.is_staff_member(self)

    @property
    def is_national_administrator(self) -> bool:
        return authorization.is_national_administrator(self)

    @property
    def uses_staff_admin(self) -> bool:
        return authorization.uses_staff_admin(self)

    @property
    def desk_url(self) -> str | None:
        """The page this user works on, where sign-in lands them and a refused page points back to.

        Specialists and national administrators work in the admin; kindergarten
        staff and call-centre operators on desks of their own (``DESK_URL_NAMES``,
        named by URL so this app imports none of the apps above it); a parent
        in the cabinet. ``None`` for a role with no page of its own (the service
        centre works through the API).
        """
        if not self.is_active:
            return None
        if self.uses_staff_admin:
            return reverse("admin:index")
        name = DESK_URL_NAMES.get(self.role)
        return reverse(name) if name else None

    def district_scope(self, action: str) -> set[int] | None:
        return authorization.district_scope(self, action)

    @cached_property
    def assigned_district_ids(self) -> frozenset[int]:
        """Read once per loaded user (a request), since every scoped query of a page asks for it."""
        return frozenset(self.districts.values_list("id", flat=True))


class Language(models.TextChoices):
    """The languages a parent is written to in (SMS and e-mail); each named in itself."""

    KAZAKH = "kk", "Қазақша"
    RUSSIAN = "ru", "Русский"


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
    language = models.CharField(
        _("language for messages"), max_length=2, choices=Language.choices, default=Language.KAZAKH
    )
    consent_version = models.CharField(
        _("version of the personal-data consent"),
        max_length=32,
        blank=True,
        help_text=_(
            "The consent text the parent accepted: on the portal, or signed on paper and confirmed by "
            "the specialist or the service centre that took the application."
        ),
    )
    consented_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Issue 12 item 4: told, at most once a week per application, when a position has moved by at least
    # this many places since the last notice (or since asking); None, the default: never told.
    move_notice_threshold = models.PositiveIntegerField(
        _("tell me when a position moves by at least"), null=True, blank=True
    )
    move_notice_channel = models.CharField(
        _("tell me"), max_length=8, choices=NoticeChannel.choices, default=NoticeChannel.SMS
    )
    move_notices_since = models.DateTimeField(_("moves counted since"), null=True, blank=True)
    # Told, by the same channel, at most once a week per application, when an end of the wait estimate's
    # band moves by a month or more (applications.moves); None, the default: never told.
    estimate_notices_since = models.DateTimeField(_("estimate changes told since"), null=True, blank=True)

    # Scoped through the applicant's applications: ``applications`` registers that path (its apps.py).
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")

    def __str__(self) -> str:
        return f"{self.surname} {self.name}"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.name, self.patronymic) if part)


class CodePurpose(models.TextChoices):
    """What a one-time code unlocks; a code is checked only for the purpose it was sent for."""

    SIGN_IN = "sign_in", _("sign-in")
    TAKE_REFERRAL = "take_referral", _("getting a referral")


class OneTimeCode(models.Model):
    """One code sent (or, to a phone not on record, only pretended to be sent) by SMS.

    RULES.md section 7 and issue 6: the code itself is never stored, only an
    HMAC keyed with ``SECRET_KEY`` over the row id and the code, so neither a
    database dump nor a look at the admin gives a code away. Every request is a
    row, delivered or not, because the send limits count rows: counting all of
    them answers a phone that is on record and one that is not alike.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(_("purpose"), max_length=16, choices=CodePurpose.choices)
    iin = models.CharField(_("IIN"), max_length=12, validators=[validate_iin])
    phone = models.CharField(_("mobile phone"), max_length=12, validators=[phone_validator])
    applicant = models.ForeignKey(
        Applicant,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="one_time_codes",
        verbose_name=_("applicant"),
    )
    code_hash = models.CharField(_("code hash"), max_length=64, editable=False)
    deliverable = models.BooleanField(
        _("sent"), help_text=_("False when the phone is not on record for this IIN: nothing was sent.")
    )
    created_at = models.DateTimeField(_("requested"))
    expires_at = models.DateTimeField(_("expires"))
    failed_attempts = models.PositiveSmallIntegerField(_("wrong entries"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["iin", "created_at"], name="one_time_code_iin_time"),
            models.Index(fields=["phone", "created_at"], name="one_time_code_phone_time"),
            models.Index(fields=["client_ip", "created_at"], name="one_time_code_address_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="one_time_code_expires_later"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {format_datetime(self.created_at, seconds=True)}"

    def hash_of(self, code: str) -> str:
        """The stored form of ``code`` for this row; the row id keeps equal codes of two rows apart."""
        message = f"{self.pk}:{code}".encode()
        return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()

    def matches(self, code: str) -> bool:
        """Whether ``code`` is this row's code, compared in constant time; a withheld code matches nothing."""
        same = hmac.compare_digest(self.code_hash, self.hash_of(code))
        return same and self.deliverable


class UserSession(models.Model):
    """One signed-in session of a user, so signing a user out everywhere touches only their sessions.

    Written when a user signs in and removed when they sign out; disabling a
    user deletes every session listed here (``accounts.sessions``). A row
    outliving its session (the browser simply stopped coming) is harmless and
    is pruned at the user's next sign-in.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("user"))
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in"))

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")

    def __str__(self) -> str:
        return f"{self.user} {format_datetime(self.created_at)}"
