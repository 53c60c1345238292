"""Use cases that change applications. Each is one transaction with its audit record (DESIGN.md).

Views, the admin, the API and Celery tasks call these functions and never write
the models themselves. A broken rule raises a ``DomainError``; invalid input
raises Django's ``ValidationError`` keyed by field.
"""

import dataclasses
import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.authorization import has_staff_role, is_national_administrator, is_owning_parent
from accounts.choices import Action, NoticeChannel, Role
from accounts.models import Applicant, phone_validator
from accounts.phones import valid_phone
from accounts.services import check_phone_owner
from audit.services import record
from audit.vocabulary import AuditAction
from core import clock
from core.dates import add_months
from core.iin import check_iin_matches, parse_iin
from directory.choices import KindergartenKind
from directory.models import Kindergarten, Settlement
from dispatch.services import enqueue
from queues import services as queue_services
from queues.choices import BenefitClass, LeaveReason, QueueEventCause

from . import age, moves, numbers, selectors, withdrawals
from .choices import BenefitCategory, Channel, Status, Verification
from .errors import ChildAlreadyInQueue, InvalidDocument, InvalidInput, NotEligible, OutOfScope
from .models import MAX_PREFERRED_KINDERGARTENS, Application, BenefitDocument, Child, Guardianship
from .transitions import ALLOWED, transition
from .uploads import CheckedDocument, checked_document


@dataclass(frozen=True)
class ChildDetails:
    iin: str
    surname: str
    name: str
    birth_date: datetime.date
    sex: str
    patronymic: str = ""


@dataclass(frozen=True)
class ApplicantDetails:
    iin: str
    surname: str
    name: str
    phone: str
    patronymic: str = ""
    phone2: str = ""
    email: str = ""


@dataclass(frozen=True)
class DocumentUpload:
    category: str
    file: object
    issued_on: datetime.date


STAFF_CHANNELS = (Channel.EDUCATION_DEPARTMENT, Channel.GOV_CORP, Channel.API)

#: The longest surname, name or patronymic the records hold.
NAME_MAX_LENGTH = Child._meta.get_field("surname").max_length


@transaction.atomic
def submit_application(
    *,
    child: ChildDetails,
    applicant: ApplicantDetails,
    relation: str,
    settlement: Settlement,
    preferred_language: str,
    channel: Channel,
    actor=None,
    wants_special: bool = False,
    wants_sanatorium: bool = False,
    preferred_kindergartens: Sequence[Kindergarten] = (),
    documents: Sequence[DocumentUpload] = (),
    received_at: datetime.datetime | None = None,
    consent_version: str = "",
    now: datetime.datetime | None = None,
) -> Application:
    """Register an application and stand it in its queues at once (RULES.md sections 2, 4, 6).

    A paper application (staff channels) carries ``received_at``, the time the
    department or service centre received it; it decides the order, so it may
    not lie in the future nor further back than the backdating setting allows.
    It also carries ``consent_version``, the version of the personal-data
    consent the applicant signed with it: without one, no child's data is
    processed (issue 6 item 8). On the portal the parent consented when
    registering their cabinet.
    """
    now = now or clock.now()
    _ensure_may_register(actor, channel, settlement)
    child, applicant = cleaned_child(child, now=now), cleaned_applicant(applicant)
    _check_new_cabinets_phones(applicant)
    submitted_at = _submission_time(channel, received_at, now)
    _check_consent(channel, consent_version)
    has_conclusion = any(upload.category == BenefitCategory.SPECIAL_NEEDS for upload in documents)
    _check_eligibility(child, now, has_conclusion, wants_special or wants_sanatorium)
    _check_preferred_kindergartens(preferred_kindergartens, settlement)
    _check_document_count(len(documents))
    checked_documents = [_checked_upload(upload, now) for upload in documents]

    child_record = _child_record(child)
    applicant_record = _applicant_record(applicant)
    if consent_version:
        _record_consent(applicant_record, consent_version, submitted_at)
    application = Application(
        child=child_record,
        applicant=applicant_record,
        relation=relation,
        settlement=settlement,
        wants_special=wants_special,
        wants_sanatorium=wants_sanatorium,
        preferred_language=preferred_language,
        channel=channel,
        submitted_at=submitted_at,
        registered_at=now,
        registered_by=actor if has_staff_role(actor) else None,
        status=Status.IN_QUEUE,
        status_changed_at=now,
    )
    _insert_with_fresh_number(application)
    application.preferred_kindergartens.set(preferred_kindergartens)
    for upload, checked in zip(documents, checked_documents, strict=True):
        _store_document(application, upload, checked, actor=actor, now=now)
    queue_services.join_queues(
        application_id=application.pk,
        settlement_id=settlement.pk,
        birth_year=child.birth_date.year,
        kinds=application.queue_kinds,
        benefit_class=BenefitClass.GENERAL,
        submitted_at=submitted_at,
        now=now,
        cause=QueueEventCause.BACKDATED_PAPER
        if submitted_at < now.replace(microsecond=0)
        else QueueEventCause.SUBMITTED,
    )
    record(
        action=AuditAction.APPLICATION_SUBMITTED,
        target=application,
        actor=actor,
        at=now,
        details={
            "number": application.number,
            "channel": channel,
            "submitted_at": submitted_at.isoformat(),
            "queue_kinds": application.queue_kinds,
            "documents": [upload.category for upload in documents],
            "consent_version": applicant_record.consent_version,
        },
    )
    enqueue("applications.tasks.notify_application_registered", application.pk)
    return application


@transaction.atomic
def add_benefit_document(
    *, application: Application, upload: DocumentUpload, actor, now: datetime.datetime | None = None
) -> BenefitDocument:
    """Attach a benefit document after applying. The submission time stays (RULES.md section 6).

    The file is checked first, outside the lock; then the application's row is
    locked while its documents are counted, so two uploads at once cannot both
    pass the limit.
    """
    now = now or clock.now()
    _ensure_may_change(actor, application)
    checked = _checked_upload(upload, now)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.is_active:
        raise NotEligible(_("Documents can be added only to an active application."))
    _check_document_count(application.benefit_documents.count() + 1)
    document = _store_document(application, upload, checked, actor=actor, now=now)
    record(
        action=AuditAction.BENEFIT_DOCUMENT_ADDED,
        target=application,
        actor=actor,
        at=now,
        details={"document": document.pk, "category": document.category},
    )
    return document


@transaction.atomic
def confirm_benefit(
    *,
    document: BenefitDocument,
    actor,
    valid_until: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> BenefitDocument:
    """A specialist confirms a document; the application's class may rise in every queue."""
    now = now or clock.now()
    document = _lock_pending_document(document, actor)
    if valid_until is not None and valid_until < timezone.localdate(now):
        raise ValidationError({"valid_until": _("A document that has already expired cannot be confirmed.")})
    document.verification = Verification.CONFIRMED
    document.valid_until = valid_until
    document.verified_by = actor
    document.verified_at = now
    document.full_clean()
    document.save()
    benefit_class = refresh_benefit_class(
        document.application, cause=QueueEventCause.BENEFIT_CONFIRMED, now=now
    )
    record(
        action=AuditAction.BENEFIT_CONFIRMED,
        target=document.application,
        actor=actor,
        at=now,
        details={
            "document": document.pk,
            "category": document.category,
            "valid_until": valid_until.isoformat() if valid_until else None,
            "class": benefit_class.name.lower(),
        },
    )
    enqueue("applications.tasks.notify_benefit_decided", document.pk)
    return document


@transaction.atomic
def reject_benefit(
    *, document: BenefitDocument, actor, reason: str, now: datetime.datetime | None = None
) -> BenefitDocument:
    """A specialist rejects a document with a reason the parent will read.

    Without a special-needs conclusion still standing, the child leaves the
    special and sanatorium queues (RULES.md section 2); the general queue stays.
    """
    now = now or clock.now()
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the document is rejected: the parent will read it.")})
    document = _lock_pending_document(document, actor)
    document.verification = Verification.REJECTED
    document.rejection_reason = reason.strip()
    document.verified_by = actor
    document.verified_at = now
    document.save()
    application = document.application
    benefit_class = refresh_benefit_class(application, cause=QueueEventCause.BENEFIT_REJECTED, now=now)
    if document.category == BenefitCategory.SPECIAL_NEEDS and not _holds_special_needs_conclusion(
        application
    ):
        queue_services.leave_queues(
            application_id=application.pk,
            reason=LeaveReason.QUEUE_KIND_DROPPED,
            now=now,
            kinds=[KindergartenKind.SPECIAL, KindergartenKind.SANATORIUM],
        )
    record(
        action=AuditAction.BENEFIT_REJECTED,
        target=application,
        actor=actor,
        at=now,
        details={
            "document": document.pk,
            "category": document.category,
            "reason": document.rejection_reason,
            "class": benefit_class.name.lower(),
        },
    )
    enqueue("applications.tasks.notify_benefit_decided", document.pk)
    return document


def refresh_benefit_class(
    application: Application, *, cause: QueueEventCause, now: datetime.datetime
) -> BenefitClass:
    """Set the application's class in every queue it stands in from the documents that count today.

    RULES.md section 3. Every use case that changes what an application's
    documents give (confirming, rejecting, refusing a benefit at a referral,
    expiry) ends here, so each of its standing entries gets the class and the
    last day it counts, whichever queues it has joined or left before; ``cause``
    is what the position history will name for the move.
    """
    benefit_class, benefit_until = benefit_standing_on(application, timezone.localdate(now))
    queue_services.reclassify(
        application_id=application.pk,
        benefit_class=benefit_class,
        benefit_until=benefit_until,
        cause=cause,
        now=now,
    )
    return benefit_class


def benefit_class_on(application: Application, day: datetime.date) -> BenefitClass:
    """The best class given by a confirmed, unexpired document on ``day``; general without one."""
    return benefit_standing_on(application, day)[0]


def benefit_standing_on(
    application: Application, day: datetime.date
) -> tuple[BenefitClass, datetime.date | None]:
    """The best class on ``day`` and the last day it counts: the latest end among the documents giving it.

    None when one of them has no end, or for the general class, which needs none.
    """
    counting = application.benefit_documents.counting_on(day).values_list("category", "valid_until")
    by_class: dict[BenefitClass, list[datetime.date | None]] = {}
    for category, valid_until in counting:
        by_class.setdefault(BenefitCategory(category).benefit_class, []).append(valid_until)
    if not by_class:
        return BenefitClass.GENERAL, None
    best = min(by_class)
    ends = by_class[best]
    return best, None if None in ends else max(ends)


def expire_benefits(*, now: datetime.datetime | None = None) -> int:
    """Lower the class of applications whose class stopped counting (a scheduled job, idempotent).

    A document valid until a date counts through that whole day (Asia/Almaty).
    Readers already apply an expiry the moment it is due (``queues.selectors``);
    this job, after midnight, moves the entries nobody read. The applications are
    found by their standing entries' ``benefit_until``, not by their documents,
    so an entry is never skipped for what another entry of the application
    holds (issue 15). Returns how many applications changed.
    """
    now = now or clock.now()
    return expire_benefits_of(queue_services.due_for_expiry(today=timezone.localdate(now)), now=now)


def expire_benefits_of(application_ids: Sequence[int], *, now: datetime.datetime) -> int:
    """Reclassify each of ``application_ids`` from the documents that count now, each in its own transaction.

    Registered with the queue engine (``queues.services.register_expiry``), which
    calls it before answering a read that finds an expired class.
    """
    return sum(_expire_benefit_of(application_id, now=now) for application_id in application_ids)


@transaction.atomic
def _expire_benefit_of(application_id: int, *, now: datetime.datetime) -> int:
    """Idempotent under concurrency: the application's row is locked, a second reader finds nothing to do."""
    application = Application.objects.select_for_update().get(pk=application_id)
    before = (
        application.queue_entries.filter(left_at__isnull=True).values_list("benefit_class", flat=True).first()
    )
    after = refresh_benefit_class(application, cause=QueueEventCause.BENEFIT_EXPIRED, now=now)
    if before is None or before == after:
        return 0
    record(
        action=AuditAction.BENEFIT_EXPIRED,
        target=application,
        at=now,
        details={"from": BenefitClass(before).name.lower(), "to": after.name.lower()},
    )
    return 1


@transaction.atomic
def withdraw_application(
    *, application: Application, actor, reason: str = "", now: datetime.datetime | None = None
) -> Application:
    """The applicant withdraws: the application leaves every queue and is kept, never deleted.

    A referral or priority access it holds is given up, and the place returns
    at once (RULES.md section 5; ``withdrawals``).
    """
    now = now or clock.now()
    application = Application.objects.select_for_update().get(pk=application.pk)
    _ensure_may_change(actor, application)
    transition(application, Status.WITHDRAWN, now=now, reason=reason or str(_("Withdrawn by the applicant.")))
    application.save(update_fields=["status", "status_reason", "status_changed_at"])
    queue_services.leave_queues(application_id=application.pk, reason=LeaveReason.WITHDRAWN, now=now)
    record(
        action=AuditAction.APPLICATION_WITHDRAWN,
        target=application,
        actor=actor,
        at=now,
        details={"reason": reason},
    )
    withdrawals.give_up_holdings(application=application, actor=actor, now=now)
    return application


@transaction.atomic
def withdraw_unconfirmed(*, application: Application, reason: str, now: datetime.datetime) -> Application:
    """The person register definitely contradicts the parent's claim to the child (issue 18): the
    application leaves every queue as withdrawn, by the system, with the register's reason kept."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    transition(application, Status.WITHDRAWN, now=now, reason=reason)
    application.save(update_fields=["status", "status_reason", "status_changed_at"])
    queue_services.leave_queues(application_id=application.pk, reason=LeaveReason.WITHDRAWN, now=now)
    record(
        action=AuditAction.APPLICATION_WITHDRAWN_BY_REGISTER,
        target=application,
        at=now,
        details={"reason": reason},
    )
    withdrawals.give_up_holdings(application=application, actor=None, now=now)
    return application


@transaction.atomic
def add_child(
    *,
    applicant: Applicant,
    details: ChildDetails,
    actor,
    has_special_needs_conclusion: bool = False,
    now: datetime.datetime | None = None,
) -> Guardianship:
    """Put a child on the parent's own list in the cabinet, to apply for later (issue 3, "Children").

    The IIN must exist and agree with the birth date and sex, and the child's age
    must let it stand in a queue (RULES.md sections 4 and 6). A parent who says
    the child holds a PMPK conclusion is spared the age limit here; the
    conclusion itself is checked when applying. The child record of the IIN is
    reused when it exists, but a child standing in another family's active
    application is refused with no more than that (nothing of the other family),
    and an existing record is not handed out under other names.
    """
    now = now or clock.now()
    if not is_owning_parent(actor, applicant):
        raise OutOfScope()
    details = cleaned_child(details, now=now)
    _check_age(details.birth_date, now, has_special_needs_conclusion)
    child, created = _find_or_create_child(details)
    if not created:
        _check_child_may_join_list(child, details, applicant)
    try:
        with transaction.atomic():
            guardianship = Guardianship.objects.create(applicant=applicant, child=child, added_at=now)
    except IntegrityError:
        raise ValidationError({"iin": _("This child is already on your list.")}) from None
    record(
        action=AuditAction.CHILD_ADDED,
        target=child,
        actor=actor,
        at=now,
        details={
            "applicant": applicant.pk,
            "new_record": created,
            "special_needs_conclusion_declared": has_special_needs_conclusion,
        },
    )
    return guardianship


# --- input, as every channel may send it ------------------------------------------


def cleaned_child(details: ChildDetails, *, now: datetime.datetime) -> ChildDetails:
    """The child's details trimmed and checked, or InvalidInput / ValidationError naming the field.

    Forms, the admin and the API check their own fields, but the service checks
    again whatever called it (issue 15): an IIN with spaces around it is the IIN,
    names are trimmed and must fit, the birth date must be a past date that
    agrees with the IIN, as must the sex (RULES.md section 6).
    """
    if not isinstance(details.birth_date, datetime.date) or details.birth_date > timezone.localdate(now):
        raise InvalidInput(_("The birth date must be a date that has already come."), field="birth_date")
    iin = _stripped(details.iin)
    check_iin_matches(iin, birth_date=details.birth_date, sex=details.sex)
    return dataclasses.replace(
        details,
        iin=iin,
        surname=_cleaned_name(details.surname, field="child_surname"),
        name=_cleaned_name(details.name, field="child_name"),
        patronymic=_cleaned_name(details.patronymic, field="child_patronymic", required=False),
    )


def cleaned_applicant(details: ApplicantDetails) -> ApplicantDetails:
    """The applicant's details trimmed and checked: a real IIN, names that fit, Kazakh mobile numbers."""
    iin = _stripped(details.iin)
    try:
        parse_iin(iin)
    except ValidationError as error:
        raise InvalidInput(error.messages[0], field="applicant_iin") from None
    phone = valid_phone(details.phone)
    phone2 = valid_phone(details.phone2) if details.phone2 else ""
    if phone is None or phone2 is None:
        raise InvalidInput(phone_validator.message, field="phone" if phone is None else "phone2")
    email = _stripped(details.email)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(_("Enter a valid e-mail address."), field="email") from None
    return dataclasses.replace(
        details,
        iin=iin,
        surname=_cleaned_name(details.surname, field="applicant_surname"),
        name=_cleaned_name(details.name, field="applicant_name"),
        patronymic=_cleaned_name(details.patronymic, field="applicant_patronymic", required=False),
        phone=phone,
        phone2=phone2,
        email=email,
    )


def _stripped(value) -> str:
    """Text without surrounding spaces; what is not text (None, a number a client sent) counts as empty."""
    return value.strip() if isinstance(value, str) else ""


def _cleaned_name(value, *, field: str, required: bool = True) -> str:
    """A surname, name or patronymic without surrounding spaces, non-empty when required, that fits."""
    name = _stripped(value)
    if required and not name:
        raise InvalidInput(_("Enter the surname and the name."), field=field)
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput(
            _("A name may have at most %(count)s characters.") % {"count": NAME_MAX_LENGTH}, field=field
        )
    return name


# --- rules behind the use cases -------------------------------------------------


def _ensure_may_register(actor, channel: Channel, settlement: Settlement) -> None:
    """Who may register through which channel: staff in scope, service centres, or parents online."""
    if channel == Channel.PORTAL:
        if has_staff_role(actor):
            raise OutOfScope()
        return
    if actor is None or not actor.is_authenticated:
        raise OutOfScope()
    if channel == Channel.EDUCATION_DEPARTMENT:
        if not Settlement.objects.restrict(actor, Action.CHANGE).filter(pk=settlement.pk).exists():
            raise OutOfScope()
    elif not (actor.role == Role.GOV_CORP or is_national_administrator(actor)):
        raise OutOfScope()


def _ensure_may_change(actor, application: Application) -> None:
    """A staff member whose districts hold the application, or the parent account that owns it."""
    if has_staff_role(actor):
        if not Application.objects.restrict(actor, Action.CHANGE).filter(pk=application.pk).exists():
            raise OutOfScope()
    elif not is_owning_parent(actor, application.applicant):
        raise OutOfScope()


def _submission_time(channel: Channel, received_at: datetime.datetime | None, now: datetime.datetime):
    """The time that decides the order, to the second (RULES.md section 3)."""
    if channel not in STAFF_CHANNELS or received_at is None:
        if channel == Channel.EDUCATION_DEPARTMENT:
            raise ValidationError(
                {"received_at": _("Enter the date and time the department received the application.")}
            )
        return now.replace(microsecond=0)
    if received_at > now:
        raise ValidationError({"received_at": _("The time of receipt cannot be in the future.")})
    earliest = now - datetime.timedelta(days=settings.PAPER_APPLICATION_MAX_BACKDATE_DAYS)
    if received_at < earliest:
        raise ValidationError(
            {
                "received_at": _("The time of receipt cannot be more than %(days)s days ago.")
                % {"days": settings.PAPER_APPLICATION_MAX_BACKDATE_DAYS}
            }
        )
    return received_at.replace(microsecond=0)


def _check_age(birth_date: datetime.date, now, has_conclusion: bool) -> None:
    reason = age.age_ineligibility_reason(
        birth_date, timezone.localdate(now), has_special_needs_conclusion=has_conclusion
    )
    if reason:
        raise NotEligible(reason, field="birth_date")


def _check_eligibility(child: ChildDetails, now, has_conclusion: bool, wants_special_queue: bool) -> None:
    _check_age(child.birth_date, now, has_conclusion)
    if wants_special_queue and not has_conclusion:
        raise NotEligible(
            _(
                "The special and sanatorium queues need a conclusion of the psychological-medical-"
                "pedagogical commission (PMPK): attach it as a document."
            ),
            field="wants_special",
        )


def _check_preferred_kindergartens(kindergartens: Sequence[Kindergarten], settlement: Settlement) -> None:
    if len(kindergartens) > MAX_PREFERRED_KINDERGARTENS:
        raise ValidationError(
            {
                "preferred_kindergartens": _("Choose at most %(count)s kindergartens.")
                % {"count": MAX_PREFERRED_KINDERGARTENS}
            }
        )
    if any(kindergarten.settlement_id != settlement.pk for kindergarten in kindergartens):
        raise ValidationError(
            {"preferred_kindergartens": _("Choose kindergartens of the settlement of the application.")}
        )


def _child_record(details: ChildDetails) -> Child:
    """The child with this IIN, created on first application; an active one elsewhere is refused."""
    child, created = _find_or_create_child(details)
    if not created and child.applications.active().exists():
        raise ChildAlreadyInQueue()
    return child


def _find_or_create_child(details: ChildDetails) -> tuple[Child, bool]:
    """The child record of this IIN; a new one is made from ``details`` and validated."""
    child, created = Child.objects.get_or_create(
        iin=details.iin,
        defaults={
            "surname": details.surname,
            "name": details.name,
            "patronymic": details.patronymic,
            "birth_date": details.birth_date,
            "sex": details.sex,
        },
    )
    if created:
        child.full_clean()
    return child, created


def _check_child_may_join_list(child: Child, details: ChildDetails, applicant: Applicant) -> None:
    """An existing child record joins a parent's list only if no other family holds it in a queue."""
    if child.applications.active().exclude(applicant=applicant).exists():
        raise ChildAlreadyInQueue()
    if (
        child.guardianships.filter(applicant=applicant).exists()
        or child.applications.filter(applicant=applicant).exists()
    ):
        raise ValidationError({"iin": _("This child is already on your list.")})
    given = (details.surname.strip().casefold(), details.name.strip().casefold())
    if given != (child.surname.strip().casefold(), child.name.strip().casefold()):
        raise ValidationError(
            _(
                "The names do not match our record of the child with this IIN. Enter them as in the "
                "birth certificate, or contact the education department."
            )
        )


def _check_new_cabinets_phones(details: ApplicantDetails) -> None:
    """An application that makes a cabinet (paper, API) gives it phones: the register must say they are its.

    Issue 15 item 6: the cabinet's codes go to these phones. An existing
    applicant keeps the phones on record (``_applicant_record``), so nothing is asked.
    """
    if Applicant.objects.filter(iin=details.iin).exists():
        return
    for field, phone in (("phone", details.phone), ("phone2", details.phone2)):
        if phone:
            check_phone_owner(iin=details.iin, phone=phone, field=field)


def _applicant_record(details: ApplicantDetails) -> Applicant:
    """The applicant's cabinet, created by the first application (RULES.md section 7).

    An existing applicant keeps the phones on record: a code can only ever go to a
    phone already confirmed for that IIN, so a new application cannot redirect it.
    """
    applicant, created = Applicant.objects.get_or_create(
        iin=details.iin,
        defaults={
            "surname": details.surname,
            "name": details.name,
            "patronymic": details.patronymic,
            "phone": details.phone,
            "phone2": details.phone2,
            "email": details.email,
        },
    )
    if created:
        applicant.full_clean()
    return applicant


def _check_consent(channel: str, consent_version: str) -> None:
    """A staff channel registers a child only with the applicant's signed consent, by its version."""
    if channel in STAFF_CHANNELS and not consent_version:
        raise ValidationError(
            {"consent": _("The applicant's signed consent to the processing of personal data is required.")}
        )


def _record_consent(applicant: Applicant, consent_version: str, given_at: datetime.datetime) -> None:
    """The applicant's latest consent: its text version and when it was signed (with the application)."""
    applicant.consent_version = consent_version
    applicant.consented_at = given_at
    applicant.save(update_fields=["consent_version", "consented_at"])


def _insert_with_fresh_number(application: Application) -> None:
    """Give the application a new random number; retry on the rare collision, refuse a second active one."""
    for _attempt in range(5):
        application.number = numbers.new_number()
        try:
            with transaction.atomic():
                application.save()
            return
        except IntegrityError as error:
            if "application_one_active_per_child" in str(error):
                raise ChildAlreadyInQueue() from error
            if not Application.objects.filter(number=application.number).exists():
                raise
    raise RuntimeError("could not find a free application number")


def _check_document_count(count: int) -> None:
    """At most ``BENEFIT_DOCUMENTS_PER_APPLICATION`` documents, decided or not (docs/security.md)."""
    limit = settings.BENEFIT_DOCUMENTS_PER_APPLICATION
    if count > limit:
        raise InvalidDocument(
            _(
                "An application holds at most %(count)s documents. If one must be replaced, contact the "
                "education department."
            )
            % {"count": limit},
            field="file",
        )


def _checked_upload(upload: DocumentUpload, now) -> CheckedDocument:
    """Every check of one upload, made before anything is written, so a refusal leaves no file behind."""
    category = BenefitCategory(upload.category)
    if upload.issued_on > timezone.localdate(now):
        raise InvalidDocument(_("The document's date of issue cannot be in the future."), field="issued_on")
    if category.needs_employer_certificate and upload.issued_on < add_months(timezone.localdate(now), -1):
        raise InvalidDocument(
            _("An employer certificate must have been issued within the last month."), field="issued_on"
        )
    return checked_document(upload.file)


def _store_document(
    application: Application, upload: DocumentUpload, checked: CheckedDocument, *, actor, now
) -> BenefitDocument:
    """Store what the checks made of the upload (re-encoded for an image) under a random name."""
    document = BenefitDocument(
        application=application,
        category=upload.category,
        content_type=checked.content_type,
        issued_on=upload.issued_on,
        uploaded_at=now,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    document.file.save(f"document{checked.extension}", ContentFile(checked.content), save=False)
    document.save()
    return document


def _lock_pending_document(document: BenefitDocument, actor) -> BenefitDocument:
    """Lock the document for a decision; only a pending one, by a staff member in scope, not its uploader."""
    document = BenefitDocument.objects.select_for_update().select_related("application").get(pk=document.pk)
    if not has_staff_role(actor):
        raise OutOfScope()
    _ensure_may_change(actor, document.application)
    if document.verification != Verification.PENDING:
        raise InvalidDocument(_("This document has already been decided."))
    if settings.BENEFIT_FOUR_EYES and document.uploaded_by_id == actor.pk:
        raise InvalidDocument(
            _("A document must be verified by someone other than the person who uploaded it.")
        )
    return document


def _holds_special_needs_conclusion(application: Application) -> bool:
    return application.benefit_documents.filter(selectors.SPECIAL_NEEDS_CONCLUSION).exists()


# --- Ageing out (RULES.md section 4; issue 4) -----------------------------------------

#: The statuses an application may age out of: those with the move to aged_out. A child holding a
#: referral is not taken out: its age was checked when the referral was issued.
AGEING_OUT_FROM = tuple(status for status, targets in ALLOWED.items() if Status.AGED_OUT in targets)


def age_ineligibility_of(application: Application, *, today: datetime.date) -> str | None:
    """Why the child of ``application`` no longer qualifies by age today, or None (RULES.md section 4).

    One rule for the ageing-out job and for issuing a referral: ``age.age_ineligibility_reason``,
    with the exemption of a PMPK conclusion the application holds (pending or confirmed, as when
    applying), in the active language.
    """
    birth_date = application.child.birth_date
    reason = age.age_ineligibility_reason(birth_date, today, has_special_needs_conclusion=False)
    if reason is None:
        return None  # most children: the conclusion could change nothing, so it is not looked up
    return age.age_ineligibility_reason(
        birth_date, today, has_special_needs_conclusion=_holds_special_needs_conclusion(application)
    )


def age_out_children(*, now: datetime.datetime | None = None) -> int:
    """Take out of every queue the children who no longer qualify by age (a scheduled job, idempotent).

    The age is counted on the cut-off date of the current school year, so the
    day the school year turns (1 September by default) is when most leave. Only
    children born in or before the last birth year that can be too old are read;
    the rule itself is decided per child by ``age_ineligibility_of``. Each child
    leaves in its own transaction, with the reason recorded and the parent told.
    Returns how many left.
    """
    now = now or clock.now()
    today = timezone.localdate(now)
    youngest_possibly_too_old = age.school_year_cutoff(today).year - settings.QUEUE_MAX_AGE_YEARS - 1
    candidates = (
        Application.objects.filter(
            status__in=AGEING_OUT_FROM, child__birth_date__year__lte=youngest_possibly_too_old
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(_age_out(application_id, today=today, now=now) for application_id in candidates)


@transaction.atomic
def _age_out(application_id: int, *, today: datetime.date, now: datetime.datetime) -> int:
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("child").get(pk=application_id)
    )
    if application.status not in AGEING_OUT_FROM:
        return 0
    reason = age_ineligibility_of(application, today=today)
    if reason is None:
        return 0
    transition(application, Status.AGED_OUT, now=now, reason=reason)
    application.save(update_fields=["status", "status_reason", "status_changed_at"])
    left = queue_services.leave_queues(application_id=application.pk, reason=LeaveReason.AGED_OUT, now=now)
    record(
        action=AuditAction.APPLICATION_AGED_OUT,
        target=application,
        at=now,
        details={"reason": reason, "queues_left": left},
    )
    enqueue("applications.tasks.notify_aged_out", application.pk)
    return 1


def choose_move_notices(
    *,
    applicant: Applicant,
    threshold: int | None,
    channel: str,
    actor,
    estimate_band: bool = False,
    now: datetime.datetime | None = None,
) -> Applicant:
    """The parent's choice of notices (issue 12 item 4): of moves by ``threshold`` places (None: none, the
    default), and of the wait estimate's band changing (``estimate_band``, off by default).

    Moves count from this moment whenever the threshold changes, so a move made
    before the parent asked (or under another threshold) is never announced; and
    the estimate's band is first taken as it stands when the parent asks for it.
    """
    now = now or clock.now()
    if threshold is not None and threshold not in moves.THRESHOLDS:
        raise InvalidInput(_("Choose one of the numbers of places offered."), field="threshold")
    if channel not in NoticeChannel.values:
        raise InvalidInput(_("Choose SMS or e-mail."), field="channel")
    with transaction.atomic():
        applicant = Applicant.objects.select_for_update().get(pk=applicant.pk)
        told = threshold is not None or estimate_band
        if told and channel == NoticeChannel.EMAIL and not applicant.email:
            raise InvalidInput(
                _("Your cabinet has no e-mail address, so notices can only come by SMS. Choose SMS."),
                field="channel",
            )
        if threshold != applicant.move_notice_threshold:
            applicant.move_notices_since = now if threshold is not None else None
        if estimate_band != (applicant.estimate_notices_since is not None):
            applicant.estimate_notices_since = now if estimate_band else None
        applicant.move_notice_threshold, applicant.move_notice_channel = threshold, channel
        applicant.save(
            update_fields=[
                "move_notice_threshold",
                "move_notice_channel",
                "move_notices_since",
                "estimate_notices_since",
            ]
        )
        record(
            action=AuditAction.MOVE_NOTICES_CHOSEN,
            target=applicant,
            actor=actor,
            at=now,
            details={"threshold": threshold, "channel": channel, "estimate_band": estimate_band},
        )
    return applicant
