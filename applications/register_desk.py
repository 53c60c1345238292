"""The desk's comparison with the person register: one's own districts, the application's people, rationed.

Why this gate: the "Compare with the person register" button of a paper
application asks the state's register about a child before anything is
registered, and the answer is a citizen's personal data. Left open, every
insider with a desk had a free look-up of anyone, only audited (issue 18,
"Privacy"). So a comparison is made only

- for an application of a settlement the user may change: a specialist's own
  districts, the whole country for a national administrator
  (``accounts.authorization.district_scope``, the scope of every staff page);
- about that application's people: the register is asked about its child, and
  shows its record of the child only when it names the application's applicant
  as the child's parent or guardian (``Comparison.as_seen_at_the_desk``), so
  typing a stranger's IIN beside one's own tells nothing of the stranger;
- at most ``COMPARISONS_PER_HOUR`` times an hour by one staff member
  (``core.ratelimit``), which leaves a day at the desk untouched and makes a
  trawl slow and loud.

Every refusal lands in the audit trail (``REGISTER_COMPARISON_REFUSED``)
beside the register's requests themselves (``PERSON_REGISTER_ASKED``).
Registering the application still asks the register (``submit_paper``): that
leaves an application in a queue, under the specialist's name, not a look-up.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.choices import Action
from accounts.services import mask_iin
from audit.services import record
from audit.vocabulary import AuditAction
from core.errors import DomainError
from core.ratelimit import within_limit
from directory.models import Settlement

from . import intake
from .register_checks import PAPER_LOOK_UP, Comparison, compare_child

COMPARISONS_PER_HOUR = settings.REGISTER_COMPARISONS_PER_HOUR
WINDOW_SECONDS = 60 * 60
OUTSIDE_DISTRICTS, TOO_MANY = "outside_districts", "too_many_comparisons"


class ComparisonRefused(DomainError):
    """The comparison was not made; the register was not asked."""

    code = "register_comparison_refused"


REFUSALS = {
    OUTSIDE_DISTRICTS: _(
        "You may compare with the person register only applications of the districts you work for. "
        "The attempt is recorded."
    ),
    TOO_MANY: ngettext_lazy(
        "You have compared %(limit)d application with the person register in the last hour, the most "
        "allowed. Register the application without comparing, or compare it later. The attempt is "
        "recorded.",
        "You have compared %(limit)d applications with the person register in the last hour, the most "
        "allowed. Register the application without comparing, or compare it later. The attempt is "
        "recorded.",
        "limit",
    ),
}


def compare_paper(application: intake.ApplicationInput, *, user) -> Comparison:
    """The register beside the paper of ``application``, as the desk may see it; ``ComparisonRefused`` if not.

    The settlement's district is checked here, not only by the form's choices,
    so no page or request that skips the form makes a look-up.
    """
    settlement = application.settlement
    child_iin = application.child.iin
    if not Settlement.objects.restrict(user, Action.CHANGE).filter(pk=settlement.pk).exists():
        refuse(user, OUTSIDE_DISTRICTS, settlement=settlement, child_iin=child_iin)
    if not within_limit(
        "register-compare", str(user.pk), limit=COMPARISONS_PER_HOUR, window_seconds=WINDOW_SECONDS
    ):
        refuse(user, TOO_MANY, settlement=settlement, child_iin=child_iin)
    comparison = compare_child(
        child=application.child, applicant_iin=application.applicant.iin, actor=user, reason=PAPER_LOOK_UP
    )
    return comparison.as_seen_at_the_desk()


def refuse_forged_settlement(user, posted: str, *, child_iin: str) -> None:
    """A request named a settlement its form never offered this user: another district's, or none at all."""
    settlement = Settlement.objects.filter(pk=posted).first() if posted.isdigit() else None
    refuse(user, OUTSIDE_DISTRICTS, settlement=settlement, child_iin=child_iin)


def refuse(user, refusal: str, *, settlement: Settlement | None, child_iin: str) -> None:
    """Record the refused attempt and raise ``ComparisonRefused`` with the words the user reads.

    ``settlement`` is None when the request named none that exists (a forged
    form); the child's IIN is recorded masked, empty when the form had no valid one.
    """
    record(
        action=AuditAction.REGISTER_COMPARISON_REFUSED,
        target=settlement,
        actor=user,
        details={"refusal": refusal, "iin": mask_iin(child_iin)},
    )
    raise ComparisonRefused(REFUSALS[refusal] % {"limit": COMPARISONS_PER_HOUR}, code=refusal)
