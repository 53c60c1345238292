"""Reads of applications for the parent's cabinet, the public check and the staff desk (STYLE.md).

A parent reaches only their own records: every read here that takes an
``applicant`` filters by it, so a number or an id of another family finds
nothing, exactly as a number that does not exist.
"""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import Applicant
from audit.models import AuditEvent
from queues.models import QueueEntry
from queues.selectors import positions_of_entries, settled_entries

from . import numbers
from .choices import BenefitCategory, Channel
from .models import Application, BenefitDocument, Child

#: What an application's history calls each recorded action (the staff desk and the cabinet).
ACTION_LABELS = {
    "application.submitted": _("Application registered"),
    "application.withdrawn": _("Application withdrawn"),
    "benefit.document_added": _("Benefit document added"),
    "benefit.confirmed": _("Benefit confirmed"),
    "benefit.rejected": _("Benefit rejected"),
    "benefit.expired": _("Benefit expired"),
    "document.opened": _("Benefit document opened"),
    "application.aged_out": _("Left the queue by age"),
    "application.looked_up": _("Looked up to answer a call or an enquiry"),
    "access.opened": _("Access to a referral opened"),
    "access.ended": _("Access to a referral ended"),
    "stop_list.lifted": _("Back in the queue after the stop-list"),
}

ROLE_LABELS = dict(Role.choices)

#: How many settlements the search on the application form lists at most.
SETTLEMENT_SEARCH_LIMIT = 30


# --- history ----------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryItem:
    """One event of an application's history, with readable words for it.

    ``role`` is the label of the actor's role, empty for the system; pages for
    parents show it instead of a staff member's name. ``note`` says in words
    what the event was about (the benefit, the channel, a rejection's reason).
    """

    event: AuditEvent
    label: str
    role: str
    note: str


def application_history(application: Application) -> list[HistoryItem]:
    """Everything recorded about the application, oldest first (RULES.md section 8: every step visible)."""
    events = (
        AuditEvent.objects.for_target(Application._meta.label_lower, application.pk)
        .select_related("actor")
        .order_by("at", "id")
    )
    return [
        HistoryItem(
            event=event,
            label=ACTION_LABELS.get(event.action, event.action),
            role=ROLE_LABELS.get(event.actor_role, ""),
            note=_history_note(event),
        )
        for event in events
    ]


def _history_note(event: AuditEvent) -> str:
    details = event.details or {}
    if event.action == "application.submitted":
        return _label_of(Channel, details.get("channel"))
    if event.action == "application.withdrawn":
        return details.get("reason") or ""
    note = _label_of(BenefitCategory, details.get("category"))
    if event.action == "benefit.rejected" and details.get("reason"):
        note = f"{note}: {details['reason']}"
    return note


def _label_of(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return ""


# --- the parent's own records -----------------------------------------------------


def children_of(applicant: Applicant) -> QuerySet[Child]:
    """The parent's children: those they added and those of their applications (a paper one too).

    Each carries ``own_active_applications``: the parent's active application for it, if any.
    """
    own_active = Application.objects.active().filter(applicant=applicant).order_by("-registered_at")
    return (
        Child.objects.filter(Q(guardianships__applicant=applicant) | Q(applications__applicant=applicant))
        .distinct()
        .prefetch_related(Prefetch("applications", queryset=own_active, to_attr="own_active_applications"))
        .order_by("birth_date", "surname", "name", "id")
    )


def children_to_apply_for(applicant: Applicant) -> QuerySet[Child]:
    """The parent's children without an active application of theirs: those the form offers."""
    own_active = Application.objects.active().filter(applicant=applicant).values("child_id")
    return children_of(applicant).exclude(pk__in=own_active)


def applications_of(applicant: Applicant) -> QuerySet[Application]:
    """The parent's applications, newest first, with what the cabinet's list shows."""
    return (
        Application.objects.filter(applicant=applicant)
        .select_related("child", "settlement")
        .order_by("-registered_at", "-id")
    )


def own_application(applicant: Applicant, number: str) -> Application | None:
    """The parent's application with this number (dashes and spaces allowed), or None.

    Another family's number and a malformed one give the same None.
    """
    normalised = numbers.normalise(number)
    if normalised is None:
        return None
    return (
        Application.objects.filter(applicant=applicant, number=normalised)
        .select_related("child", "settlement")
        .first()
    )


def documents_of(application: Application) -> QuerySet[BenefitDocument]:
    return application.benefit_documents.order_by("uploaded_at", "id")


# --- the application form -----------------------------------------------------------


# --- the public check ----------------------------------------------------------------


@dataclass(frozen=True)
class PublicStanding:
    """What anyone who knows an application's number may see: its status and positions, nothing else."""

    status_label: str
    positions: list[tuple[str, int]]


@dataclass(frozen=True)
class PublicCheck:
    """An application found by its number, with its standing entries and their queues' versions, all
    read in one query: everything the public check shows is a function of ``state``."""

    application: Application
    entries: list[QueueEntry]

    @property
    def state(self) -> tuple:
        """The status and when it last changed, and each queue's version: what the answer depends on."""
        return (
            self.application.status,
            self.application.status_changed_at.timestamp() if self.application.status_changed_at else None,
            *((entry.queue_id, entry.queue.version) for entry in self.entries),
        )

    def standing(self) -> PublicStanding:
        return PublicStanding(
            status_label=self.application.get_status_display(),
            positions=[
                (position.entry.queue.get_kind_display(), position.standing.position)
                for position in positions_of_entries(self.entries)
            ],
        )


def public_check(number: str) -> PublicCheck | None:
    """The application with this number, or None for a number that is malformed or unknown.

    One query finds a standing application with its entries and their queues;
    only one that stands in no queue (withdrawn, enrolled) costs a second.
    """
    normalised = numbers.normalise(number)
    if normalised is None:
        return None
    entries = settled_entries(
        QueueEntry.objects.standing()
        .filter(application__number=normalised)
        .select_related("queue", "application")
        .order_by("queue__kind")
    )
    if entries:
        return PublicCheck(application=entries[0].application, entries=entries)
    application = Application.objects.filter(number=normalised).first()
    return PublicCheck(application=application, entries=[]) if application else None
