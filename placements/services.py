"""Use cases of referrals: taking one, its benefit check, extension, enrolment, annulment (RULES.md 5).

Only the parent who owns an application takes or extends its referral, with a
fresh one-time code; no staff account, superusers included, has a way to do
it. No place is ever given twice: the place is claimed with one conditional
UPDATE (``bulletins.services.claim_place``) in the transaction that creates
the referral, and partial unique constraints refuse a second active referral
for a child or an application. Each use case is one transaction with its
audit record; scheduled jobs take one transaction per referral.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.authorization import has_role, has_staff_role, is_owning_parent
from accounts.choices import Action, Role
from accounts.models import CodePurpose
from accounts.services import check_code
from applications import numbers
from applications.choices import BenefitCategory, Status, Verification
from applications.errors import OutOfScope
from applications.models import Application, BenefitDocument, Child
from applications.services import refresh_benefit_class
from applications.transitions import transition as transition_application
from audit.services import record
from audit.vocabulary import AuditAction
from bulletins import services as bulletin_services
from bulletins.errors import AugustFreeze
from bulletins.models import BulletinPlace
from core import clock
from core.dates import add_months, end_of, format_date, last_working_day_of_period
from core.prepared import Prepared, concrete_columns, instances_of
from dispatch.services import enqueue, enqueue_relayed
from queues import selectors as queue_selectors
from queues import services as queue_services
from queues.choices import BenefitClass, LeaveReason, QueueEventCause

from . import selectors
from .choices import ACTIVE_REFERRAL_STATUSES, ReferralStatus
from .errors import (
    AlreadyExtended,
    NoFreshCertificate,
    OnlyTheParent,
    PlaceAlreadyTaken,
    ReferralAlreadyHeld,
    ReferralExpired,
    ReferralNotActive,
)
from .models import Enrolment, Referral, StopListEntry
from .transitions import transition

OUT_OF_TURN_CATEGORIES = [category for category in BenefitCategory if category.needs_employer_certificate]
# Letters and digits nobody confuses when reading a printed code aloud (no 0/O, 1/I/L).
VERIFICATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
VERIFICATION_LENGTH = 12


# --- Taking a referral ------------------------------------------------------------------


def take_referral(
    *,
    application: Application,
    place: BulletinPlace,
    actor,
    code_id,
    code: str,
    client_ip: str | None = None,
    now: datetime.datetime | None = None,
) -> Referral:
    """The parent presses **Get referral** on a place and confirms with a fresh one-time code.

    Only the parent who owns the application; staff and superusers are refused
    before the code is looked at. One transaction, so that a press of a rush
    commits once: the code (purpose ``take_referral``, sent for the
    applicant's IIN) is checked and spent under a lock of its row; a refusal
    of the code (a wrong entry counted, its audit event) commits alone and is
    raised after. Then the rules of ``selectors.take_refusal`` under a lock of
    the application row; the referral created (a second active one for the
    child is refused by the database); the child's access ends everywhere; and
    last the place claimed with one conditional UPDATE. A take refused there
    (the loser of a race gets ``PlaceAlreadyTaken``) rolls everything back, the
    code's use included: like a press answered "no place left" before the
    check, it leaves the code for another place. ``place`` is the caller's
    read; the claim, not its count of free places, decides. Call this
    outside any transaction.
    Valid for ``REFERRAL_VALID_WORKING_DAYS`` working days after the issue day.
    Taken with an out-of-turn class in the place's queue, it waits for the
    department to confirm a fresh employer certificate.
    """
    now = now or clock.now()
    ensure_owner_parent(actor, application)
    if bulletin_services.in_august_freeze(now):
        raise AugustFreeze()
    with transaction.atomic():
        _code, refusal = check_code(
            code_id=code_id, code=code, purpose=CodePurpose.TAKE_REFERRAL, client_ip=client_ip, now=now,
            iin=application.applicant.iin,
        )  # fmt: skip
        if refusal is None:
            return _take(application=application, place=place, actor=actor, now=now)
    raise refusal


def _take(*, application: Application, place: BulletinPlace, actor, now: datetime.datetime) -> Referral:
    application = _locked_for_take(application)
    ensure_owner_parent(actor, application)
    benefit_class = queue_selectors.standing_class(place.queue_id, application.pk)
    refusal = selectors.take_refusal(application, place, now=now, standing=benefit_class is not None)
    if refusal is not None:
        raise refusal
    out_of_turn = benefit_class == BenefitClass.OUT_OF_TURN
    referral = Referral(
        application=application,
        child=application.child,
        place=place,
        group=place.group,
        kindergarten_id=place.group.kindergarten_id,
        taken_by=actor,
        out_of_turn=out_of_turn,
        issued_at=now,
        valid_until=last_working_day_of_period(timezone.localdate(now), settings.REFERRAL_VALID_WORKING_DAYS),
        status=ReferralStatus.AWAITING_CONFIRMATION if out_of_turn else ReferralStatus.ISSUED,
        status_changed_at=now,
    )
    _insert_with_fresh_number(referral)
    bulletin_services.close_accesses(
        application_id=application.pk, now=now, used_in=(place.bulletin_id, place.queue_id)
    )
    status = Status.AWAITING_BENEFIT_CONFIRMATION if out_of_turn else Status.REFERRAL_ISSUED
    transition_application(application, status, now=now)
    application.save(update_fields=["status", "status_reason", "status_changed_at"])
    record(
        action=AuditAction.REFERRAL_TAKEN,
        target=referral,
        actor=actor,
        at=now,
        details={
            "number": referral.number,
            "application": application.pk,
            "bulletin": place.bulletin_id,
            "place": place.pk,
            "kindergarten": referral.kindergarten_id,
            "valid_until": referral.valid_until.isoformat(),
            "out_of_turn": out_of_turn,
        },
    )
    # Handed to Celery by the relay within a second, with the other takes of that second: a rush's
    # presses do not each pay a second transaction and a broker message (dispatch.services).
    enqueue_relayed("placements.tasks.notify_referral_issued", referral.pk)
    _claim_last(place)
    return referral


_locked_applications = Prepared(
    lambda application_id: (
        Application.objects.select_for_update()
        .filter(pk=application_id)
        .values_list(*concrete_columns(Application))
    ),
    application_id=int,
)
_children = Prepared(
    lambda child_id: Child.objects.filter(pk=child_id).values_list(*concrete_columns(Child)), child_id=int
)


def _locked_for_take(application: Application) -> Application:
    """The application read anew under a lock of its row, with its child; SQL compiled once a process.

    The take's rules are judged on this read, so a change committed before the
    lock (a withdrawal, another take of the child) is seen. Only the
    application's row is locked, as ``select_for_update(of=("self",))`` would;
    the applicant is the caller's (its owner check repeats on this read).
    """
    (locked,) = instances_of(_locked_applications.rows(application_id=application.pk)[0], Application)
    (child,) = instances_of(_children.rows(child_id=locked.child_id)[0], Child)
    locked.child, locked.applicant = child, application.applicant
    return locked


def _claim_last(place: BulletinPlace) -> None:
    """Claim the place as the transaction's last statement, so its row lock lasts one round trip.

    Every parent pressing for the same place waits on this row's lock until the
    claiming transaction commits; claimed first, the lock would be held over the
    referral's insert, the audit and the outbox too, and the takes of a place
    would go one per transaction instead of one per UPDATE (issue 11's rush). A
    lost claim raises, and the referral, the closed accesses and the audit event
    written before it roll back with the transaction.
    """
    if not bulletin_services.claim_place(place_id=place.pk):
        raise PlaceAlreadyTaken()


# --- The out-of-turn benefit behind a referral ---------------------------------------------


@transaction.atomic
def confirm_referral_benefit(*, referral: Referral, actor, now: datetime.datetime | None = None) -> Referral:
    """The department confirms the out-of-turn benefit of a waiting referral; the kindergarten now sees it.

    Needs a fresh employer certificate: an out-of-turn benefit document,
    confirmed (by the four-eyes rule of ``confirm_benefit``), counting today
    and issued within the last month; and the referral still valid.
    """
    now = now or clock.now()
    application, referral = _lock(referral)
    _ensure_specialist(actor, application)
    if referral.status != ReferralStatus.AWAITING_CONFIRMATION:
        raise ReferralNotActive(_("This referral is not waiting for a benefit to be confirmed."))
    if now >= referral.expires_at:
        raise ReferralExpired()
    today = timezone.localdate(now)
    certificate = (
        BenefitDocument.objects.counting_on(today)
        .filter(
            application=application, category__in=OUT_OF_TURN_CATEGORIES, issued_on__gte=add_months(today, -1)
        )
        .order_by("-issued_on")
        .first()
    )
    if certificate is None:
        raise NoFreshCertificate()
    transition(referral, ReferralStatus.ISSUED, now=now)
    referral.save(update_fields=["status", "reason", "status_changed_at"])
    transition_application(application, Status.REFERRAL_ISSUED, now=now)
    application.save(update_fields=["status", "status_reason", "status_changed_at"])
    record(
        action=AuditAction.REFERRAL_BENEFIT_CONFIRMED,
        target=referral,
        actor=actor,
        at=now,
        details={"application": application.pk, "document": certificate.pk},
    )
    enqueue("placements.tasks.notify_referral_issued", referral.pk)
    return referral


@transaction.atomic
def refuse_referral_benefit(
    *, referral: Referral, actor, reason: str, now: datetime.datetime | None = None
) -> Referral:
    """The department does not confirm the out-of-turn benefit: the referral is cancelled (RULES.md 5).

    The place returns to this bulletin, the out-of-turn benefit is removed and
    the application goes back to the queue, in the class its other documents
    give (general without one), with its original submission time.
    """
    now = now or clock.now()
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the benefit is not confirmed: the parent will read it.")})
    application, referral = _lock(referral)
    _ensure_specialist(actor, application)
    if referral.status != ReferralStatus.AWAITING_CONFIRMATION:
        raise ReferralNotActive(_("This referral is not waiting for a benefit to be confirmed."))
    _cancel(referral, application, reason=reason.strip(), actor=actor, now=now)
    return referral


# --- The parent's extension ----------------------------------------------------------------


@transaction.atomic
def extend_referral(
    *,
    referral: Referral,
    actor,
    until: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> Referral:
    """The parent extends the referral once, to at most ``REFERRAL_MAX_DAYS_FROM_ISSUE`` days after issue.

    Without ``until``, to the latest day allowed. Only the owner parent, only
    while the referral is active and valid.
    """
    now = now or clock.now()
    application, referral = _lock(referral)
    ensure_owner_parent(actor, application)
    if not referral.is_active:
        raise ReferralNotActive()
    if referral.extended_until is not None:
        raise AlreadyExtended()
    if now >= referral.expires_at:
        raise ReferralExpired()
    latest = timezone.localdate(referral.issued_at) + datetime.timedelta(
        days=settings.REFERRAL_MAX_DAYS_FROM_ISSUE
    )
    until = until or latest
    if until > latest:
        raise ValidationError(
            {
                "until": gettext("A referral can be extended to %(date)s at the latest.")
                % {"date": format_date(latest)}
            }
        )
    if until <= referral.valid_until:
        raise ValidationError({"until": _("Choose a day after the current end of validity.")})
    previous = referral.valid_until
    referral.extended_until = until
    referral.save(update_fields=["extended_until"])
    record(
        action=AuditAction.REFERRAL_EXTENDED,
        target=referral,
        actor=actor,
        at=now,
        details={"from": previous.isoformat(), "to": until.isoformat()},
    )
    return referral


# --- The parent gives the place up ---------------------------------------------------------------


@transaction.atomic
def decline_referral(*, referral: Referral, actor, now: datetime.datetime | None = None) -> Referral:
    """The parent declines a referral not yet used: the place returns at once (RULES.md section 5).

    Only the parent who owns the application. While the bulletin's priority
    window runs, access opens to the next child in line in the place's queue;
    after it, the place is open to everyone (``bulletins.services.return_place``).
    Declining costs nothing: the application goes back to the queue with its
    position, benefits and submission time, and no stop-list. A referral
    already declined is returned as it is, so a second press changes nothing;
    one used for enrolment, annulled or cancelled is refused.
    """
    now = now or clock.now()
    application, referral = _lock(referral)
    ensure_owner_parent(actor, application)
    if referral.status == ReferralStatus.DECLINED:
        return referral
    if not referral.is_active:
        raise ReferralNotActive()
    _give_up(referral, application, reason=gettext("Declined by the parent."), actor=actor, now=now)
    transition_application(application, Status.IN_QUEUE, now=now)
    application.save(update_fields=["status", "status_reason", "status_changed_at"])
    return referral


def give_up_on_withdrawal(*, application: Application, actor, now: datetime.datetime) -> None:
    """A withdrawn application gives up its active referral; the place returns at once (RULES.md 5).

    Called by ``applications.services.withdraw_application`` in its transaction
    (registered in ``apps.py``), the application row locked and withdrawn.
    """
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .filter(application=application, status__in=ACTIVE_REFERRAL_STATUSES)
        .first()
    )
    if referral is not None:
        reason = gettext("The application was withdrawn.")
        _give_up(referral, application, reason=reason, actor=actor, now=now)


def _give_up(referral: Referral, application: Application, *, reason: str, actor, now) -> None:
    transition(referral, ReferralStatus.DECLINED, now=now, reason=reason)
    referral.save(update_fields=["status", "reason", "status_changed_at"])
    bulletin_services.return_place(place_id=referral.place_id, now=now)
    record(
        action=AuditAction.REFERRAL_DECLINED,
        target=referral,
        actor=actor,
        at=now,
        details={"application": application.pk, "place": referral.place_id, "reason": reason},
    )


# --- The kindergarten ------------------------------------------------------------------------


@transaction.atomic
def register_enrolment(*, referral: Referral, actor, now: datetime.datetime | None = None) -> Enrolment:
    """The kindergarten registers the child: it leaves all its queues, the application is enrolled.

    Staff of the referral's kindergarten, or a department specialist whose
    districts hold the kindergarten (RULES.md section 1: the department
    "registers enrolment" too); only on an issued referral (one waiting for
    its benefit is not anyone's to enrol yet) that is still valid.
    """
    now = now or clock.now()
    application, referral = _lock(referral)
    _ensure_may_enrol(actor, referral)
    _ensure_issued_and_valid(referral, now)
    enrolment = Enrolment.objects.create(referral=referral, enrolled_at=now, registered_by=actor)
    transition(referral, ReferralStatus.ENROLLED, now=now)
    referral.save(update_fields=["status", "reason", "status_changed_at"])
    transition_application(
        application,
        Status.ENROLLED,
        now=now,
        reason=gettext("Enrolled in %(kindergarten)s.") % {"kindergarten": referral.kindergarten},
    )
    application.save(update_fields=["status", "status_reason", "status_changed_at"])
    left = queue_services.leave_queues(application_id=application.pk, reason=LeaveReason.ENROLLED, now=now)
    bulletin_services.close_accesses(application_id=application.pk, now=now)
    record(
        action=AuditAction.REFERRAL_ENROLLED,
        target=referral,
        actor=actor,
        at=now,
        details={"application": application.pk, "enrolment": enrolment.pk, "queues_left": left},
    )
    return enrolment


@transaction.atomic
def report_no_show(*, referral: Referral, actor, now: datetime.datetime | None = None) -> Referral:
    """The kindergarten says the documents never came: the referral is annulled as if it had expired."""
    now = now or clock.now()
    application, referral = _lock(referral)
    bulletin_services.ensure_kindergarten_staff(actor, referral.kindergarten)
    if referral.status != ReferralStatus.ISSUED:
        raise ReferralNotActive()
    _annul(
        referral,
        application,
        reason=gettext("The documents were not brought to the kindergarten."),
        actor=actor,
        now=now,
    )
    return referral


# --- Scheduled jobs -----------------------------------------------------------------------------


def annul_expired_referrals(*, now: datetime.datetime | None = None) -> int:
    """End the referrals whose validity is over (a scheduled job; idempotent). Returns how many ended.

    An issued referral not used in time is annulled: its place returns for the
    next bulletin and the application goes on the stop-list for
    ``STOP_LIST_DAYS`` days. A referral still waiting for its out-of-turn
    benefit at the end of its validity was not confirmed: it is cancelled as
    if refused (no stop-list: the wait was the department's, not the parent's).
    """
    now = now or clock.now()
    today = timezone.localdate(now)
    due = (
        Referral.objects.filter(status__in=ACTIVE_REFERRAL_STATUSES, valid_until__lt=today)
        .exclude(extended_until__gte=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(_end_expired(referral_id, now=now) for referral_id in due)


def lift_stop_list(*, now: datetime.datetime | None = None) -> int:
    """Return to the queue the applications whose stop-list period is over (a scheduled job; idempotent).

    Their queue entries never changed, so they stand with their original
    submission time, and are offered access again. Returns how many returned.
    """
    now = now or clock.now()
    due = (
        StopListEntry.objects.filter(lifted_at__isnull=True, ends_at__lte=now)
        .order_by("pk")
        .values_list("pk", "application_id")
    )
    return sum(_lift(entry_id, application_id, now=now) for entry_id, application_id in due)


# --- Who may act ---------------------------------------------------------------------------------


def ensure_owner_parent(actor, application: Application) -> None:
    """Refuse anyone but the parent account that owns ``application`` (``accounts.authorization``)."""
    if not is_owning_parent(actor, application.applicant):
        raise OnlyTheParent()


def _ensure_specialist(actor, application: Application) -> None:
    """A department specialist (or national administrator) whose districts hold the application."""
    if not has_staff_role(actor):
        raise OutOfScope()
    if not Application.objects.restrict(actor, Action.CHANGE).filter(pk=application.pk).exists():
        raise OutOfScope()


def _ensure_may_enrol(actor, referral: Referral) -> None:
    """Staff of the referral's kindergarten, or a department specialist whose districts hold it.

    Only those two roles register enrolment (RULES.md section 1); a national
    administrator does not, as no other role does.
    """
    if not has_role(actor, (Role.SPECIALIST,)):
        bulletin_services.ensure_kindergarten_staff(actor, referral.kindergarten)
        return
    if not Referral.objects.restrict(actor, Action.CHANGE).filter(pk=referral.pk).exists():
        raise OutOfScope()


# --- The rules behind the use cases -----------------------------------------------------------


def _lock(referral: Referral) -> tuple[Application, Referral]:
    """Lock the application, then its referral: the order every use case here takes them in."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("applicant", "child")
        .get(pk=referral.application_id)
    )
    referral = (
        Referral.objects.select_for_update(of=("self",)).select_related("kindergarten").get(pk=referral.pk)
    )
    return application, referral


def _ensure_issued_and_valid(referral: Referral, now: datetime.datetime) -> None:
    if referral.status == ReferralStatus.AWAITING_CONFIRMATION:
        raise ReferralNotActive(_("This referral is waiting for the department to confirm the benefit."))
    if referral.status != ReferralStatus.ISSUED:
        raise ReferralNotActive()
    if now >= referral.expires_at:
        raise ReferralExpired()


def _insert_with_fresh_number(referral: Referral) -> None:
    """A new random number and verification code; retry a rare collision, refuse a second active referral."""
    year = f"{timezone.localdate(referral.issued_at).year % 100:02d}"
    for _attempt in range(5):
        body = year + numbers.new_number()[:7]
        referral.number = body + str(numbers.luhn_check_digit(body))
        referral.verification_code = "".join(
            secrets.choice(VERIFICATION_ALPHABET) for _char in range(VERIFICATION_LENGTH)
        )
        try:
            with transaction.atomic():
                referral.save(force_insert=True)
            return
        except IntegrityError as error:
            if "referral_one_active" in str(error):
                raise ReferralAlreadyHeld() from error
            if "number" not in str(error) and "verification_code" not in str(error):
                raise
    raise RuntimeError("could not find a free referral number")


def _cancel(referral: Referral, application: Application, *, reason: str, actor, now) -> None:
    """Cancel a referral whose out-of-turn benefit was not confirmed; the child returns to the queue."""
    transition(referral, ReferralStatus.CANCELLED, now=now, reason=reason)
    referral.save(update_fields=["status", "reason", "status_changed_at"])
    bulletin_services.return_place(place_id=referral.place_id, now=now)
    removed = list(
        application.benefit_documents.filter(
            category__in=OUT_OF_TURN_CATEGORIES, verification=Verification.CONFIRMED
        ).values_list("pk", flat=True)
    )
    BenefitDocument.objects.filter(pk__in=removed).update(
        verification=Verification.REJECTED,
        rejection_reason=reason,
        verified_by=actor if actor is not None and actor.is_authenticated else None,
        verified_at=now,
    )
    benefit_class = refresh_benefit_class(application, cause=QueueEventCause.REFERRAL_CANCELLED, now=now)
    if application.status == Status.AWAITING_BENEFIT_CONFIRMATION:
        transition_application(application, Status.IN_QUEUE, now=now)
        application.save(update_fields=["status", "status_reason", "status_changed_at"])
    record(
        action=AuditAction.REFERRAL_CANCELLED,
        target=referral,
        actor=actor,
        at=now,
        details={
            "application": application.pk,
            "reason": reason,
            "documents_removed": removed,
            "class": benefit_class.name.lower(),
        },
    )
    if application.status == Status.IN_QUEUE:
        enqueue("placements.tasks.notify_referral_cancelled", referral.pk)


def _annul(referral: Referral, application: Application, *, reason: str, actor, now) -> None:
    """Annul an unused referral: the place returns for the next bulletin, the application is stop-listed."""
    transition(referral, ReferralStatus.ANNULLED, now=now, reason=reason)
    referral.save(update_fields=["status", "reason", "status_changed_at"])
    report = bulletin_services.release_place(place_id=referral.place_id, now=now)
    details = {"application": application.pk, "reason": reason, "vacancy_report": report.pk}
    if application.status == Status.REFERRAL_ISSUED:
        ends_at = end_of(timezone.localdate(now) + datetime.timedelta(days=settings.STOP_LIST_DAYS))
        entry = StopListEntry.objects.create(
            application=application, referral=referral, starts_at=now, ends_at=ends_at
        )
        transition_application(application, Status.STOP_LIST, now=now, reason=reason)
        application.save(update_fields=["status", "status_reason", "status_changed_at"])
        details["stop_list_ends_at"] = entry.ends_at.isoformat()
        enqueue("placements.tasks.notify_referral_annulled", referral.pk)
    record(action=AuditAction.REFERRAL_ANNULLED, target=referral, actor=actor, at=now, details=details)


@transaction.atomic
def _end_expired(referral_id: int, *, now: datetime.datetime) -> int:
    application, referral = _lock(Referral.objects.get(pk=referral_id))
    if not referral.is_active or now < referral.expires_at:
        return 0
    if referral.status == ReferralStatus.AWAITING_CONFIRMATION:
        reason = gettext("The out-of-turn benefit was not confirmed while the referral was valid.")
        _cancel(referral, application, reason=reason, actor=None, now=now)
    else:
        _annul(
            referral, application, reason=gettext("The referral was not used in time."), actor=None, now=now
        )
    return 1


@transaction.atomic
def _lift(entry_id: int, application_id: int, *, now: datetime.datetime) -> int:
    application = Application.objects.select_for_update().get(pk=application_id)
    entry = StopListEntry.objects.select_for_update().get(pk=entry_id)
    if entry.lifted_at is not None or entry.ends_at > now:
        return 0
    entry.lifted_at = now
    entry.save(update_fields=["lifted_at"])
    returned = application.status == Status.STOP_LIST
    if returned:
        transition_application(application, Status.IN_QUEUE, now=now)
        application.save(update_fields=["status", "status_reason", "status_changed_at"])
        enqueue("placements.tasks.notify_stop_list_lifted", application_id)
    record(
        action=AuditAction.STOP_LIST_LIFTED,
        target=application,
        at=now,
        details={"stop_list_entry": entry.pk, "referral": entry.referral_id, "returned_to_queue": returned},
    )
    return 1
