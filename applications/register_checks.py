"""A child's data from the person register, not typed by hand (issue 18 item 2).

The parent gives only the child's IIN. The register (``registers.persons``)
gives the names, birth date and sex, and must name the signed-in parent as one
of the child's legal representatives; otherwise the parent is refused with what
to do instead: a paper application, with the documents, at the education
department, where a specialist sees the papers.

Every request to the register is recorded in the audit trail with its reason
and its outcome (``AuditAction.PERSON_REGISTER_ASKED``); the register's answer
itself is kept only as the child's record the parent confirms.
"""

from django.utils.translation import gettext_lazy as _

from accounts.models import Applicant
from audit.services import record
from audit.vocabulary import AuditAction
from registers import persons
from registers.persons import Person, PersonNotFound, RegisterUnavailable

from . import services
from .errors import InvalidInput
from .models import Guardianship

#: Why the register is asked: recorded with every request.
LOOK_UP = "adding a child: look-up"
CONFIRM = "adding a child: confirmed by the parent"

GO_TO_THE_DEPARTMENT = _(
    "If you are the child's parent or guardian, apply on paper at the education department with the "
    "child's birth certificate and a document showing that you represent the child."
)


class NotInRegister(InvalidInput):
    code = "not_in_register"


class NotRepresentative(InvalidInput):
    code = "not_representative"


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
    """Put the child on the parent's list with the register's data, asked again at the confirmation."""
    person = registered_child(applicant=applicant, iin=iin, actor=actor, reason=CONFIRM)
    return services.add_child(
        applicant=applicant,
        details=child_details(person),
        actor=actor,
        has_special_needs_conclusion=has_special_needs_conclusion,
    )


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
    """One event per request: who asked, about which IIN, why, and what came back (never the data)."""
    record(
        action=AuditAction.PERSON_REGISTER_ASKED,
        target=applicant,
        actor=actor,
        details={"iin": iin, "reason": reason, "outcome": outcome},
    )
