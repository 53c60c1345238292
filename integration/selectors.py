"""The look-up of one application, shared by the API and the call-centre desk (issue 5, items 3 and 8).

``find_application`` decides what a caller may find, ``lookup_answer`` what
the answer says; ``integration.api.views.LookupView`` and ``integration.desk``
both call them, so a system and an operator on the phone get the same answer.
Nothing here computes a position: positions come from ``queues.selectors``,
sentences from ``queues.explanation``.
"""

from accounts.choices import Action
from applications.models import Application
from applications.selectors import wait_estimates
from bulletins.selectors import open_accesses
from core import clock
from placements.selectors import active_referral
from queues.choices import BenefitClass
from queues.explanation import explain
from queues.history_words import short_histories
from queues.selectors import positions_of_application

from .choices import TokenRole
from .identity import ServiceIdentity


def find_application(user, *, iin: str | None = None, number: str | None = None) -> Application | None:
    """The application of the child's IIN or of the number (dashes allowed), within ``user``'s reach.

    Reach is ``restrict(user, "view")``, except for a service centre's system:
    it sees only the applications its own organisation's systems submitted.
    Of a child's applications, the active one wins, else the latest registered.
    Out of reach and missing answer alike: ``None``.
    """
    iin = (iin or "").strip()
    number = (number or "").replace("-", "").strip()
    if bool(iin) == bool(number):
        raise ValueError("Give either the child's IIN or the application number.")
    if isinstance(user, ServiceIdentity) and user.role == TokenRole.GOV_CORP:
        applications = Application.objects.filter(registered_by__api_token__organisation=user.organisation)
    else:
        applications = Application.objects.restrict(user, Action.VIEW)
    applications = applications.select_related("settlement")
    if number:
        return applications.filter(number=number).first()
    matching = applications.filter(child__iin=iin)
    return matching.active().first() or matching.order_by("-registered_at").first()


def position_data(position) -> dict:
    """One queue the application stands in, with its position, as the API writes it."""
    queue = position.entry.queue
    return {
        "kind": queue.kind,
        "birth_year": queue.birth_year,
        "settlement": queue.settlement.kato_code,
        "position": position.standing.position,
        "total": position.standing.sizes.total,
        "benefit_class": BenefitClass(position.standing.benefit_class).name.lower(),
    }


def lookup_answer(application: Application) -> dict:
    """What a caller is told: status, each queue with position, explanation, short history and wait
    estimate, benefits, access, referral.

    The explanation sentences are in the active language. No IIN, no name: the
    caller already knows whom they ask about.
    """
    now = clock.now()
    referral = active_referral(application)
    positions = positions_of_application(application.pk)
    histories = short_histories([position.entry for position in positions])
    estimates = wait_estimates(application, positions)
    return {
        "number": application.number,
        "status": application.status,
        "status_label": str(application.get_status_display()),
        "status_reason": application.status_reason,
        "submitted_at": application.submitted_at,
        "settlement": application.settlement.kato_code,
        "queues": [
            {
                **position_data(position),
                "explanation": explain(position.standing),
                "history": history,
                "estimate": estimate,
            }
            for position, history, estimate in zip(positions, histories, estimates, strict=True)
        ],
        "benefits": [
            {
                "category": document.category,
                "verification": document.verification,
                "valid_until": document.valid_until,
                "rejection_reason": document.rejection_reason,
            }
            for document in application.benefit_documents.order_by("uploaded_at")
        ],
        "open_accesses": [
            {"bulletin": access.bulletin_id, "kind": access.queue.kind, "ends_at": access.ends_at}
            for access in open_accesses(application, now=now)
        ],
        "referral": None
        if referral is None
        else {
            "number": referral.number,
            "status": referral.status,
            "kindergarten": referral.kindergarten.name,
            "group": referral.group.name,
            "valid_until": referral.extended_until or referral.valid_until,
        },
    }
