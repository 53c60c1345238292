"""Reads of referrals, and the verdicts the parent's pages show: may a place be taken, what a referral is.

``take_refusal`` is the rule ``services.take_referral`` enforces, as a read:
the parent's pages call it to decide whether to show **Get referral** on a
place (``place_offers``), so the button and the use case can never disagree.
``verdict`` says what a referral amounts to now and ``may_extend`` whether the
parent may still extend it; the pages only show what these decide.
"""

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Expression, ExpressionWrapper, F, Func, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext

from applications import numbers
from applications.choices import Status
from applications.models import Application, BenefitDocument, Child
from applications.services import age_ineligibility_of
from audit.models import AuditEvent
from bulletins import selectors as bulletin_selectors
from bulletins.choices import AccessStatus
from bulletins.errors import AugustFreeze, BulletinNotPublished
from bulletins.models import Access, BulletinPlace
from bulletins.services import in_august_freeze
from core.errors import DomainError
from core.prepared import Prepared, table_names
from core.versions import RowVersion, versions_of
from directory.models import Group, Kindergarten, Settlement
from queues.models import QueueEntry

from .choices import ACTIVE_REFERRAL_STATUSES, ReferralStatus
from .errors import (
    AgeDoesNotFit,
    CannotTakeReferral,
    NoAccess,
    NotInThisQueue,
    OnStopList,
    PlaceAlreadyTaken,
    ReferralAlreadyHeld,
)
from .models import Referral, StopListEntry


def take_refusal(
    application: Application, place: BulletinPlace, *, now: datetime.datetime, standing: bool | None = None
) -> DomainError | None:
    """Why ``application`` may not take ``place`` now, or None if it may (RULES.md sections 4 and 5).

    In this order: the August freeze; an unpublished bulletin; an application
    holding a referral, on the stop-list or no longer waiting; a place of a
    queue the child does not stand in; inside the priority window, no open
    access to this bulletin in this queue (after it, every applicant of the
    queue may take a free place); a child whose birth year is not the group's,
    or whose age no longer qualifies on 1 September of the current school
    year; no free place left. The owner check and the one-time code are the
    service's; the free-place check here is advisory, the claim is the real one.
    ``standing`` says whether the child stands in the place's queue when the
    caller has read its entry already (the take does, for its class).
    """

    def stands_in(queue_id: int) -> bool:
        if standing is not None:
            return standing
        return QueueEntry.objects.standing().filter(queue_id=queue_id, application=application).exists()

    def holds(place: BulletinPlace) -> bool:
        return holds_access(application, place, now=now)

    age_reason = _age_reason(application, now)
    return _refusal(application, place, now=now, stands_in=stands_in, holds=holds, age_reason=age_reason)


def take_refusals(
    application: Application, places: list[BulletinPlace], *, now: datetime.datetime
) -> dict[int, DomainError | None]:
    """``take_refusal`` for each of ``places`` by id, the same rule, with the application's facts read once.

    The places page asks for every free place of every bulletin of the child's
    queues: the queues the child stands in, its open accesses and the age
    rule depend on the application alone, three queries for the page, not
    three a place.
    """
    standing = set(
        QueueEntry.objects.standing().filter(application=application).values_list("queue_id", flat=True)
    )
    held = set(_open_accesses(application, now=now).values_list("bulletin_id", "queue_id"))

    def holds(place: BulletinPlace) -> bool:
        return (place.bulletin_id, place.queue_id) in held

    age_reason = _age_reason(application, now)
    return {
        place.pk: _refusal(
            application, place, now=now, stands_in=standing.__contains__, holds=holds, age_reason=age_reason
        )
        for place in places
    }


@dataclass(frozen=True)
class PlaceOffer:
    """A free place as the parent's places page offers it."""

    place: BulletinPlace
    #: Why the application may not take it now, or None: then **Get referral** is shown.
    refusal: DomainError | None
    #: Whether the bulletin's priority window is still open (only applicants with access may take it).
    in_priority_window: bool
    #: When the application's own open access to this bulletin in this queue ends, if it holds one.
    my_access_ends: datetime.datetime | None


def place_offers(application: Application, accesses, *, now: datetime.datetime) -> list[PlaceOffer]:
    """The free places of the child's queues, each with whether (and why not) it may be taken now.

    ``accesses`` are the application's open accesses (``bulletins.selectors.open_accesses``),
    which the page shows as well.
    """
    access_ends = {(access.bulletin_id, access.queue_id): access.ends_at for access in accesses}
    places = list(bulletin_selectors.free_places_for(application))
    refusals = take_refusals(application, places, now=now)
    return [
        PlaceOffer(
            place=place,
            refusal=refusals[place.pk],
            in_priority_window=now < place.bulletin.priority_until,
            my_access_ends=access_ends.get((place.bulletin_id, place.queue_id)),
        )
        for place in places
    ]


def _age_reason(application: Application, now: datetime.datetime) -> Callable[[], str | None]:
    """The age rule's answer for the application, read the first time it is asked for, then kept."""
    return functools.cache(lambda: age_ineligibility_of(application, today=timezone.localdate(now)))


def _refusal(
    application: Application,
    place: BulletinPlace,
    *,
    now: datetime.datetime,
    stands_in: Callable[[int], bool],
    holds: Callable[[BulletinPlace], bool],
    age_reason: Callable[[], str | None],
) -> DomainError | None:
    if in_august_freeze(now):
        return AugustFreeze()
    if not place.bulletin.is_published:
        return BulletinNotPublished()
    if application.status in (Status.REFERRAL_ISSUED, Status.AWAITING_BENEFIT_CONFIRMATION):
        return ReferralAlreadyHeld()
    if application.status == Status.STOP_LIST:
        current = StopListEntry.objects.filter(application=application, lifted_at__isnull=True).first()
        return OnStopList(ends_at=current.ends_at if current else None)
    if application.status not in (Status.IN_QUEUE, Status.ACCESS_OPEN):
        return CannotTakeReferral()
    if not stands_in(place.queue_id):
        return NotInThisQueue()
    if now < place.bulletin.priority_until and not holds(place):
        return NoAccess(priority_until=place.bulletin.priority_until)
    if application.child.birth_date.year != place.group.birth_year:
        return AgeDoesNotFit(_group_year_message(place.group.birth_year), field="place")
    reason = age_reason()
    if reason is not None:
        return AgeDoesNotFit(reason, field="place")
    if place.free <= 0:
        return PlaceAlreadyTaken()
    return None


def holds_access(application: Application, place: BulletinPlace, *, now: datetime.datetime) -> bool:
    """Whether the application holds open access to the place's bulletin in the place's queue, now."""
    return (
        _open_accesses(application, now=now)
        .filter(bulletin_id=place.bulletin_id, queue_id=place.queue_id)
        .exists()
    )


def _open_accesses(application: Application, *, now: datetime.datetime):
    return Access.objects.filter(application=application, status=AccessStatus.OPEN, ends_at__gt=now)


def active_referral(application: Application) -> Referral | None:
    """The application's referral awaiting confirmation or issued, if it holds one."""
    return (
        Referral.objects.filter(application=application, status__in=ACTIVE_REFERRAL_STATUSES)
        .select_related("kindergarten", "group")
        .first()
    )


def referrals_for_kindergarten_staff(user):
    """Referrals to the kindergartens ``user`` works in, as their staff see them.

    A referral waiting for its out-of-turn benefit is not shown: the
    kindergarten sees it only once the department has confirmed it (RULES.md 5).
    """
    return (
        Referral.objects.filter(kindergarten__in=user.kindergartens.all())
        .exclude(status=ReferralStatus.AWAITING_CONFIRMATION)
        .select_related("child", "group", "kindergarten", "application")
        .order_by("-issued_at")
    )


def referral_by_verification_code(code: str) -> Referral | None:
    """The referral a public check (the QR code on the printed referral) asks about, or None."""
    code = (code or "").strip().upper()
    if not code:
        return None
    return (
        Referral.objects.filter(verification_code=code)
        .select_related("kindergarten", "group", "child")
        .first()
    )


def verdict(referral: Referral, *, now: datetime.datetime) -> str:
    """What a referral amounts to now, in one word the pages switch on.

    ``valid`` only while issued and inside its validity; one still issued or
    awaiting confirmation after midnight of its last day is ``expired``, even
    before the hourly job annuls or cancels it.
    """
    if referral.is_active and now >= referral.expires_at:
        return "expired"
    return {
        ReferralStatus.ISSUED: "valid",
        ReferralStatus.AWAITING_CONFIRMATION: "awaiting_confirmation",
        ReferralStatus.ENROLLED: "enrolled",
        ReferralStatus.ANNULLED: "annulled",
        ReferralStatus.CANCELLED: "cancelled",
        ReferralStatus.DECLINED: "declined",
    }[referral.status]


def may_extend(referral: Referral, *, now: datetime.datetime) -> bool:
    """Whether the parent may still extend the referral: active, never extended, not yet expired.

    The conditions ``services.extend_referral`` refuses otherwise, read before the form is shown.
    """
    return referral.is_active and referral.extended_until is None and now < referral.expires_at


def _group_year_message(birth_year: int) -> str:
    return gettext("This group is for children born in %(year)s.") % {"year": birth_year}


# --- the referral's page, kept in the cache -------------------------------------------------

#: What the referral's page shows, as versions of the rows it reads (each row's ``xmin``: PostgreSQL
#: gives a row a new one on every update) and the referral's newest audit event (its trail only grows).
_REFERRAL_ROWS_SQL = """
    SELECT {referrals}.xmin::text || '/' || c.xmin::text || '/' || a.xmin::text || '/' || g.xmin::text
        || '/' || k.xmin::text || '/' || s.xmin::text
        || '/' || COALESCE((SELECT max(v.id) FROM {events} AS v
            WHERE v.target_type = %s AND v.target_id = {referrals}.id::text)::text, '')
    FROM {children} AS c, {applications} AS a, {groups} AS g, {kindergartens} AS k, {settlements} AS s
    WHERE c.id = {referrals}.child_id AND a.id = {referrals}.application_id AND g.id = {referrals}.group_id
        AND k.id = {referrals}.kindergarten_id AND s.id = k.settlement_id
"""


def _referral_state_query(applicant_id: int, number: str):
    rows = _REFERRAL_ROWS_SQL.format(
        **table_names(
            referrals=Referral,
            children=Child,
            applications=Application,
            groups=Group,
            kindergartens=Kindergarten,
            settlements=Settlement,
            events=AuditEvent,
        )
    )
    return Referral.objects.filter(number=number, application__applicant_id=applicant_id).values_list(
        RawSQL(f"({rows})", (Referral._meta.label_lower,)),  # noqa: S611 - table names from _meta only
    )


_referral_state = Prepared(_referral_state_query, applicant_id=int, number=str)


def referral_page_state(applicant, number: str) -> str | None:
    """What the parent's page of the referral ``number`` shows, as versions read in one statement
    compiled once a process: its key in the page cache, with the day (validity turns at midnight).
    None for a referral that is not this parent's, and where rows carry no version (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    found = _referral_state.rows(applicant_id=applicant.pk, number=number)
    return found[0][0] if found else None


# --- the places page and the confirmation of Get referral, kept in the cache ----------------


def _taking_facts(now: datetime.datetime) -> tuple[Expression, ...]:
    """What the places page and the confirmation read of an application row (``take_refusal``'s facts
    and what they show), as versions at ``now``: the application (its status), its child (birth date),
    settlement and applicant (the phone the code goes to), the queues it stands in, its accesses still
    running at ``now``, its referrals, stop-list entries and documents (a conclusion exempts from the age
    rule). The day is the caller's: the August freeze and the age rule turn at midnight."""
    application = OuterRef("pk")
    return (
        RowVersion("pk"),
        RowVersion("child__birth_date"),
        RowVersion("settlement__kato_code"),
        RowVersion("applicant__phone"),
        versions_of(QueueEntry.objects.standing().filter(application=application)),
        versions_of(bulletin_selectors.open_accesses(application, now=now)),
        versions_of(Referral.objects.filter(application=application)),
        versions_of(StopListEntry.objects.filter(application=application)),
        versions_of(BenefitDocument.objects.filter(application=application)),
    )


def _places_versions(places: QuerySet, now: datetime.datetime) -> Func:
    """``places`` as the pages show and judge them at ``now``: each place (its free count), its bulletin
    (published or not), group, kindergarten and its settlement, its queue's kind, whether its bulletin's
    priority window is still open."""
    return versions_of(
        places,
        "bulletin__status",
        "group__name",
        "group__kindergarten__name_kk",
        "group__kindergarten__settlement__kato_code",
        F("queue__kind"),
        ExpressionWrapper(Q(bulletin__priority_until__gt=now), output_field=BooleanField()),
    )


def _places_state_query(applicant_id: int, number: str, now: datetime.datetime) -> QuerySet:
    free = bulletin_selectors.free_places_for(OuterRef(OuterRef("pk")))
    return Application.objects.filter(applicant_id=applicant_id, number=number).values_list(
        *_taking_facts(now), _places_versions(free, now)
    )


def _confirm_state_query(applicant_id: int, number: str, place_id: int, now: datetime.datetime) -> QuerySet:
    place = BulletinPlace.objects.filter(pk=place_id)
    return Application.objects.filter(applicant_id=applicant_id, number=number).values_list(
        "pk", *_taking_facts(now), _places_versions(place, now)
    )


_places_state = Prepared(_places_state_query, applicant_id=int, number=str, now=datetime.datetime)
_confirm_state = Prepared(
    _confirm_state_query, applicant_id=int, number=str, place_id=int, now=datetime.datetime
)


def places_page_state(applicant, number: str, *, now: datetime.datetime) -> tuple | None:
    """What the parent's places page of application ``number`` shows at ``now``, as versions read in one
    statement compiled once a process: its key in the page cache (with the day). None for a number that
    is not this parent's, and where rows carry no version (SQLite)."""
    return _state_of(_places_state, applicant=applicant, number=number, now=now)


def confirm_page_state(applicant, number: str, place_id: int, *, now: datetime.datetime) -> tuple | None:
    """``places_page_state`` of the confirmation of Get referral for the pending ``place_id``, the
    application's id first (the session's pending take names it)."""
    return _state_of(_confirm_state, applicant=applicant, number=number, now=now, place_id=place_id)


def _state_of(prepared: Prepared, *, applicant, number: str, **values) -> tuple | None:
    normalised = numbers.normalise(number)
    if connection.vendor != "postgresql" or normalised is None:
        return None
    found = prepared.rows(applicant_id=applicant.pk, number=normalised, **values)
    return found[0] if found else None
