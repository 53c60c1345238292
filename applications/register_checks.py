"""A child's data from the person register, not typed by hand (issue 18 item 2).

The parent gives only the child's IIN. The register (``registers.persons``)
gives the names, birth date and sex, and must name the signed-in parent as one
of the child's legal representatives; otherwise the parent is refused with what
to do instead: a paper application, with the documents, at the education
department, where a specialist sees the papers.

When the register cannot answer (a fault, or no answer within
``REGISTERS_TIMEOUT``), adding a child does not stop: the parent types the
child's data from the birth certificate, the child is added "awaiting the
register's check", and applications for it are registered and stand in the
queues with their own submission time. ``recheck_due`` (a Celery beat job) asks
the register again, each child at its ``register_next_check_at``, backing off
after every request without an answer; only a definite answer that contradicts
the parent (no such child, not theirs, not alive) takes the child off the list,
withdraws its applications and tells the parent. A confirming answer puts the
register's names on the child's record.

Every request to the register is recorded in the audit trail with its reason
and its outcome (``AuditAction.PERSON_REGISTER_ASKED``); the register's answer
itself is kept only as the child's record the parent confirms.
"""

import dataclasses
import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Applicant
from accounts.services import mask_iin
from audit.services import record
from audit.vocabulary import AuditAction
from core import clock
from dispatch.services import enqueue
from registers import persons
from registers.persons import Person, PersonNotFound, RegisterUnavailable

from . import intake, services
from .choices import Channel, RegisterCheck
from .errors import InvalidInput
from .models import Application, Guardianship

#: Why the register is asked: recorded with every request.
LOOK_UP = "adding a child: look-up"
CONFIRM = "adding a child: confirmed by the parent"
RECHECK = "awaiting the register's check: asked again"
PAPER_LOOK_UP = "paper application: compared at the desk"
PAPER = "paper application: registered at the desk"
API = "application through the integration API"
#: After the n-th request without an answer, wait FIRST_RETRY * 2**(n-1), at most LONGEST_WAIT.
FIRST_RETRY = datetime.timedelta(minutes=2)
LONGEST_WAIT = datetime.timedelta(hours=6)
#: Children asked about in one run of ``recheck_due``: a run stays short, the next one goes on.
RECHECKS_PER_RUN = 200

GO_TO_THE_DEPARTMENT = _(
    "If you are the child's parent or guardian, apply on paper at the education department with the "
    "child's birth certificate and a document showing that you represent the child."
)


class NotInRegister(InvalidInput):
    code = "not_in_register"


class NotRepresentative(InvalidInput):
    code = "not_representative"


class ContradictsRegister(InvalidInput):
    code = "register_contradicts"


#: The child's fields compared with the register, with the words staff and clients read.
COMPARED = {
    "surname": _("surname"),
    "name": _("name"),
    "patronymic": _("patronymic"),
    "birth_date": _("birth date"),
    "sex": _("sex"),
}
#: Differences that are not a field of the child: what the register says of the child as a whole.
NOT_FOUND, NOT_ALIVE, NOT_REPRESENTATIVE = "not_found", "not_alive", "not_representative"
DIFFERENCE_LABELS = {
    **COMPARED,
    NOT_FOUND: _("the register has no living child with this IIN"),
    NOT_ALIVE: _("the register records the child as deceased"),
    NOT_REPRESENTATIVE: _("the register does not name the applicant as the child's parent or guardian"),
}


@dataclasses.dataclass(frozen=True)
class Comparison:
    """The register's answer set beside what a paper or an API request says of the child.

    ``person`` is None when the register did not answer (``answered`` False) or
    has no such child. ``differences`` are ``{"field", "given", "register"}``;
    a difference that is not a field (not found, not alive, not the
    applicant's) has empty values.
    """

    answered: bool
    person: Person | None = None
    differences: tuple[dict, ...] = ()

    @property
    def contradicts(self) -> bool:
        return bool(self.differences)

    def as_seen_at_the_desk(self) -> "Comparison":
        """Only that the register does not name the applicant, when it does not: nothing of its record.

        Staff typing a stranger's IIN beside their own would otherwise read the
        stranger's names, sex and even death (``register_desk``); the desk needs
        the record only to spot a typo in a child the register says is the
        applicant's, and a guardian's papers are checked by hand anyway.
        """
        if not any(difference["field"] == NOT_REPRESENTATIVE for difference in self.differences):
            return self
        return Comparison(answered=True, differences=(_whole(NOT_REPRESENTATIVE),))

    def rows(self, child: services.ChildDetails) -> list[dict]:
        """For the desk: each compared field, the paper's value, the register's, and whether they differ."""
        differing = {difference["field"] for difference in self.differences}
        return [
            {
                "label": label,
                "given": _shown(getattr(child, name)),
                "register": _shown(getattr(self.person, name)) if self.person else "",
                "differs": name in differing,
            }
            for name, label in COMPARED.items()
        ]


def _shown(value) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else str(value or "")


def _same(given, register) -> bool:
    if isinstance(given, str) and isinstance(register, str):
        return given.strip().casefold() == register.strip().casefold()
    return given == register


def compare_child(*, child: services.ChildDetails, applicant_iin: str, actor, reason: str) -> Comparison:
    """Ask the register about ``child`` and set its record beside what was given (audited with ``reason``).

    Never raises for the register's answer: not found, not alive, not the
    applicant's child and differing fields are all differences, and no answer
    is ``answered=False``; the caller decides what each means on its channel.
    """
    applicant = Applicant.objects.filter(iin=applicant_iin).first()
    try:
        person = persons.person(child.iin, reason=reason)
    except PersonNotFound:
        _audit(applicant, actor, child.iin, reason, "not_found")
        return Comparison(answered=True, differences=(_whole(NOT_FOUND),))
    except RegisterUnavailable:
        _audit(applicant, actor, child.iin, reason, "no_answer")
        return Comparison(answered=False)
    differences = differences_from(child, applicant_iin=applicant_iin, person=person)
    _audit(applicant, actor, child.iin, reason, "differs" if differences else "found")
    return Comparison(answered=True, person=person, differences=tuple(differences))


def differences_from(child, *, applicant_iin: str, person: Person) -> tuple[dict, ...]:
    """Where ``child`` (details or a record) differs from the register's ``person``, and whose child it is."""
    differences = [
        {"field": name, "given": _shown(getattr(child, name)), "register": _shown(getattr(person, name))}
        for name in COMPARED
        if not _same(getattr(child, name), getattr(person, name))
    ]
    if not person.alive:
        differences.append(_whole(NOT_ALIVE))
    if not person.is_represented_by(applicant_iin):
        differences.append(_whole(NOT_REPRESENTATIVE))
    return tuple(differences)


def _whole(name: str) -> dict:
    return {"field": name, "given": "", "register": ""}


def describe(differences) -> str:
    """The differences in words, for a specialist or an API client: which fields, never a full record."""
    return ", ".join(
        str(DIFFERENCE_LABELS.get(difference["field"], difference["field"])) for difference in differences
    )


def submit_paper(application: intake.ApplicationInput, *, channel: Channel, actor) -> Application:
    """A paper application entered at the desk, with the register's answer recorded beside it.

    The specialist has the papers (the birth certificate, a guardian's
    appointment), so the register refuses nothing here: a difference is
    recorded on the application and in the audit trail for the specialist to
    decide on; no answer registers it awaiting the register's check, which
    ``recheck_due`` makes later and again only records.
    """
    comparison = compare_child(
        child=application.child, applicant_iin=application.applicant.iin, actor=actor, reason=PAPER
    )
    return submit_compared(application, comparison, channel=channel, actor=actor, decides=False)


def compare_for_api(application: intake.ApplicationInput, *, actor) -> Comparison:
    """The register's answer for an application of the integration API; a definite contradiction refuses it.

    Not found or not alive: ``NotInRegister``; the register names other
    representatives: ``NotRepresentative``; the child's names, birth date or sex
    differ: ``ContradictsRegister``, naming the fields (never the register's
    values). No answer is no refusal: ``submit_compared`` registers it awaiting
    the register's check, its submission time kept, and a later contradicting
    answer withdraws it, as on the portal. Call it outside the transaction of
    the submission, so the request's audit event stays on a refusal.
    """
    comparison = compare_child(
        child=application.child, applicant_iin=application.applicant.iin, actor=actor, reason=API
    )
    _refuse_contradiction(comparison)
    return comparison


@transaction.atomic
def submit_compared(
    application: intake.ApplicationInput, comparison: Comparison, *, channel: Channel, actor, decides: bool
) -> Application:
    """Register the application (``intake.submit``) and write the register's verdict on it.

    ``decides``: whether a later definite contradiction withdraws it (the API)
    or is only recorded for the specialist (the desk).
    """
    registered = intake.submit(application, channel=channel, actor=actor)
    _note(registered, comparison, actor=actor, decides=decides)
    return registered


def _refuse_contradiction(comparison: Comparison) -> None:
    fields = {difference["field"] for difference in comparison.differences}
    if fields & {NOT_FOUND, NOT_ALIVE}:
        raise NotInRegister(
            _(
                "The person register has no living child with this IIN. Check the IIN on the birth "
                "certificate."
            ),
            field="child_iin",
        )
    if NOT_REPRESENTATIVE in fields:
        raise NotRepresentative(
            _(
                "The person register does not name the applicant as this child's parent or guardian. "
                "The applicant may apply on paper at the education department with a document showing "
                "that they represent the child."
            ),
            field="applicant_iin",
        )
    if fields:
        raise ContradictsRegister(
            _(
                "The child's data differ from the person register (%(fields)s). Check them against the "
                "birth certificate and send them as the certificate says."
            )
            % {"fields": describe(comparison.differences)},
            field="child",
        )


def _note(application: Application, comparison: Comparison, *, actor, decides: bool) -> None:
    """Write the register's verdict on a new application; awaiting: the child is checked again later."""
    application.register_decides = decides
    if not comparison.answered:
        application.register_check = RegisterCheck.AWAITING
        application.save(update_fields=["register_check", "register_decides"])
        _await_pair(application, actor=actor)
        return
    _record_verdict(application, comparison.differences, actor=actor)


def _record_verdict(application: Application, differences, *, actor, at=None) -> None:
    application.register_check = RegisterCheck.DIFFERS if differences else RegisterCheck.CONFIRMED
    application.register_differences = list(differences)
    application.save(update_fields=["register_check", "register_differences", "register_decides"])
    if differences:
        record(
            action=AuditAction.REGISTER_DIFFERENCE_RECORDED,
            target=application,
            actor=actor,
            at=at,
            details={"fields": [difference["field"] for difference in differences]},
        )


def _await_pair(application: Application, *, actor) -> None:
    """The child joins the applicant's list awaiting the check, so ``recheck_due`` asks about it."""
    now = application.registered_at
    guardianship, _created = Guardianship.objects.get_or_create(
        applicant=application.applicant, child=application.child, defaults={"added_at": now}
    )
    if guardianship.register_check == RegisterCheck.AWAITING:
        return
    guardianship.register_check = RegisterCheck.AWAITING
    guardianship.register_attempts = 1
    guardianship.register_next_check_at = now + _wait_after(1)
    guardianship.save(update_fields=["register_check", "register_attempts", "register_next_check_at"])
    record(action=AuditAction.REGISTER_CHECK_AWAITED, target=application.child, actor=actor, at=now)


def registered_child(*, applicant: Applicant, iin: str, actor, reason: str) -> Person:
    """The register's record of the child ``iin`` if it names ``applicant`` as a legal representative.

    ``NotInRegister`` (no such child, or not a living one), ``NotRepresentative``
    (the register names other people), or ``RegisterUnavailable`` (no answer:
    nothing is concluded). Each outcome is audited with ``reason``.
    """
    try:
        person = persons.person(iin, reason=reason)
    except PersonNotFound:
        _audit(applicant, actor, iin, reason, "not_found")
        raise NotInRegister(
            _("The person register has no child with this IIN. Check the IIN on the birth certificate.")
            + " "
            + GO_TO_THE_DEPARTMENT,
            field="iin",
        ) from None
    except RegisterUnavailable:
        _audit(applicant, actor, iin, reason, "no_answer")
        raise
    if not person.alive:
        _audit(applicant, actor, iin, reason, "not_alive")
        raise NotInRegister(_("This IIN cannot be added.") + " " + GO_TO_THE_DEPARTMENT, field="iin")
    if not person.is_represented_by(applicant.iin):
        _audit(applicant, actor, iin, reason, "not_representative")
        raise NotRepresentative(
            _("The person register does not name you as this child's parent or guardian.")
            + " "
            + GO_TO_THE_DEPARTMENT,
            field="iin",
        )
    _audit(applicant, actor, iin, reason, "found")
    return person


def add_child_by_iin(
    *, applicant: Applicant, iin: str, actor, has_special_needs_conclusion: bool = False
) -> Guardianship:
    """Put the child on the parent's list with the register's data, asked again at the confirmation.

    The register is asked outside the transaction that adds the child, so a
    refusal keeps its audit event.
    """
    person = registered_child(applicant=applicant, iin=iin, actor=actor, reason=CONFIRM)
    with transaction.atomic():
        guardianship = services.add_child(
            applicant=applicant,
            details=child_details(person),
            actor=actor,
            has_special_needs_conclusion=has_special_needs_conclusion,
        )
        guardianship.register_check = RegisterCheck.CONFIRMED
        guardianship.save(update_fields=["register_check"])
    return guardianship


def add_child_awaiting_check(
    *,
    applicant: Applicant,
    details: services.ChildDetails,
    actor,
    has_special_needs_conclusion: bool = False,
    now: datetime.datetime | None = None,
) -> Guardianship:
    """The register did not answer the look-up: add the child as typed, to be checked later.

    The register is asked once more first: if it answers now, its answer counts
    (the register's data, or the refusal) as in ``add_child_by_iin``.
    """
    now = now or clock.now()
    try:
        return add_child_by_iin(
            applicant=applicant,
            iin=details.iin,
            actor=actor,
            has_special_needs_conclusion=has_special_needs_conclusion,
        )
    except RegisterUnavailable:
        pass
    with transaction.atomic():
        guardianship = services.add_child(
            applicant=applicant,
            details=details,
            actor=actor,
            has_special_needs_conclusion=has_special_needs_conclusion,
            now=now,
        )
        guardianship.register_check = RegisterCheck.AWAITING
        guardianship.register_attempts = 1
        guardianship.register_next_check_at = now + _wait_after(1)
        guardianship.save(update_fields=["register_check", "register_attempts", "register_next_check_at"])
        record(action=AuditAction.REGISTER_CHECK_AWAITED, target=guardianship.child, actor=actor, at=now)
    return guardianship


def recheck_due(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Ask the register about every child whose check is due; stop at the first request without an answer.

    Idempotent and safe to rerun (a Celery beat job): a child is asked only when
    due, and each answer is written in its own transaction. Returns the count of
    each outcome.
    """
    now = now or clock.now()
    due = Guardianship.objects.filter(
        register_check=RegisterCheck.AWAITING, register_next_check_at__lte=now
    ).order_by("register_next_check_at", "pk")
    outcomes = {"confirmed": 0, "refused": 0, "no_answer": 0}
    for guardianship_id in due.values_list("pk", flat=True)[:RECHECKS_PER_RUN]:
        outcome = recheck(guardianship_id, now=now)
        outcomes[outcome] += 1
        if outcome == "no_answer":
            break  # the register is down: the others wait for the next run
    return outcomes


@transaction.atomic
def recheck(guardianship_id: int, *, now: datetime.datetime) -> str:
    """Ask the register about one awaiting child: "confirmed", "refused" or "no_answer"."""
    guardianship = (
        Guardianship.objects.select_for_update(of=("self",))
        .select_related("applicant", "child")
        .get(pk=guardianship_id)
    )
    if guardianship.register_check != RegisterCheck.AWAITING:
        return "confirmed" if guardianship.register_check == RegisterCheck.CONFIRMED else "refused"
    try:
        person = registered_child(
            applicant=guardianship.applicant, iin=guardianship.child.iin, actor=None, reason=RECHECK
        )
    except RegisterUnavailable:
        guardianship.register_attempts += 1
        guardianship.register_next_check_at = now + _wait_after(guardianship.register_attempts)
        guardianship.save(update_fields=["register_attempts", "register_next_check_at"])
        return "no_answer"
    except InvalidInput as error:
        _refuse(
            guardianship,
            now=now,
            difference=NOT_REPRESENTATIVE if error.code == "not_representative" else NOT_FOUND,
        )
        return "refused"
    _confirm(guardianship, person, now=now)
    return "confirmed"


def _wait_after(attempts: int) -> datetime.timedelta:
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


def _confirm(guardianship: Guardianship, person: Person, *, now: datetime.datetime) -> None:
    """The register names the parent: its names go on the child's record; which ones differed is audited."""
    child = guardianship.child
    for application in _awaiting_applications(guardianship):
        differences = differences_from(child, applicant_iin=guardianship.applicant.iin, person=person)
        _record_verdict(application, differences, actor=None, at=now)
    differed = [
        name for name in ("surname", "name", "patronymic") if getattr(child, name) != getattr(person, name)
    ]
    for name in differed:
        setattr(child, name, getattr(person, name))
    if differed:
        child.save(update_fields=differed)
    guardianship.register_check = RegisterCheck.CONFIRMED
    guardianship.register_next_check_at = None
    guardianship.save(update_fields=["register_check", "register_next_check_at"])
    record(
        action=AuditAction.REGISTER_CHECK_CONFIRMED,
        target=child,
        at=now,
        details={"applicant": guardianship.applicant_id, "corrected_fields": differed},
    )


def _awaiting_applications(guardianship: Guardianship) -> list[Application]:
    return list(
        Application.objects.select_for_update().filter(
            applicant=guardianship.applicant,
            child=guardianship.child,
            register_check=RegisterCheck.AWAITING,
        )
    )


def _refuse(
    guardianship: Guardianship, *, now: datetime.datetime, difference: str = NOT_REPRESENTATIVE
) -> None:
    """A definite contradicting answer: the parent's applications for the child end, and they are told.

    A paper application entered at the desk is not ended: the specialist saw the
    papers, so the contradiction is recorded on it for them to decide on.
    """
    reason = str(_("The person register does not name the applicant as the child's parent or guardian."))
    left_to_the_desk = False
    for application in _awaiting_applications(guardianship):
        if not application.register_decides:
            _record_verdict(application, [_whole(difference)], actor=None, at=now)
            left_to_the_desk = True
        else:
            application.register_check = RegisterCheck.REFUSED
            application.save(update_fields=["register_check"])
    own = list(
        Application.objects.active()
        .filter(applicant=guardianship.applicant, child=guardianship.child)
        .exclude(register_check=RegisterCheck.DIFFERS, register_decides=False)
    )
    for application in own:
        services.withdraw_unconfirmed(application=application, reason=reason, now=now)
    guardianship.register_check = RegisterCheck.REFUSED
    guardianship.register_next_check_at = None
    guardianship.save(update_fields=["register_check", "register_next_check_at"])
    record(
        action=AuditAction.REGISTER_CHECK_REFUSED,
        target=guardianship.child,
        at=now,
        details={"applicant": guardianship.applicant_id, "applications_withdrawn": len(own)},
    )
    if own or not left_to_the_desk:  # a paper application's parent hears from the specialist, not from us
        enqueue("applications.tasks.notify_register_refused", guardianship.pk)


def child_details(person: Person) -> services.ChildDetails:
    return services.ChildDetails(
        iin=person.iin,
        surname=person.surname,
        name=person.name,
        patronymic=person.patronymic,
        birth_date=person.birth_date,
        sex=person.sex,
    )


def _audit(applicant: Applicant, actor, iin: str, reason: str, outcome: str) -> None:
    """One event per request: who asked, about which IIN (masked), why, what came back (never the data)."""
    record(
        action=AuditAction.PERSON_REGISTER_ASKED,
        target=applicant,
        actor=actor,
        details={"iin": mask_iin(iin), "reason": reason, "outcome": outcome},
    )
