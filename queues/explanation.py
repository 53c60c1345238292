"""Why an entry stands where it does, in words a parent understands (RULES.md section 3).

The one-to-three rule is positional, so an earlier first-turn application can
stand behind later general ones; these sentences say so plainly, from the
numbers of ``ordering.Standing`` and nothing else.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .choices import BenefitClass
from .ordering import Standing


def explain(standing: Standing) -> list[str]:
    """Sentences, in the active language, explaining the position of one entry."""
    sentences = [
        _("Position %(position)s of %(total)s in this queue.")
        % {"position": standing.position, "total": standing.sizes.total}
    ]
    if standing.benefit_class == BenefitClass.OUT_OF_TURN:
        sentences.append(
            _("Your application is out-of-turn: out-of-turn applications come first, in order of submission.")
        )
    elif standing.out_of_turn_ahead:
        sentences.append(
            ngettext(
                "%(count)s out-of-turn application stands ahead of you: they always come first.",
                "%(count)s out-of-turn applications stand ahead of you: they always come first.",
                standing.out_of_turn_ahead,
            )
            % {"count": standing.out_of_turn_ahead}
        )
    if standing.benefit_class == BenefitClass.FIRST_TURN:
        sentences.append(
            _(
                "Your application is first-turn: after every three general applications stands one "
                "first-turn application, so first-turn applications take every fourth place."
            )
        )
    elif standing.benefit_class == BenefitClass.GENERAL:
        sentences.append(
            _(
                "Your application is general: after every three general applications stands one "
                "first-turn application."
            )
        )
    sentences.extend(_ahead_in_own_order(standing))
    return sentences


def _ahead_in_own_order(standing: Standing) -> list[str]:
    same_class_ahead = standing.rank_in_class - 1
    sentences = [
        _none_or(
            same_class_ahead,
            _("No application of your class was submitted before yours."),
            ngettext(
                "%(count)s application of your class was submitted before yours.",
                "%(count)s applications of your class were submitted before yours.",
                same_class_ahead,
            )
            % {"count": same_class_ahead},
        )
    ]
    if standing.benefit_class == BenefitClass.FIRST_TURN:
        sentences.append(
            _none_or(
                standing.general_ahead,
                _("No general application stands ahead of you under the one-to-three rule."),
                ngettext(
                    "%(count)s general application stands ahead of you under the one-to-three rule.",
                    "%(count)s general applications stand ahead of you under the one-to-three rule.",
                    standing.general_ahead,
                )
                % {"count": standing.general_ahead},
            )
        )
    elif standing.benefit_class == BenefitClass.GENERAL:
        sentences.append(
            _none_or(
                standing.first_turn_ahead,
                _("No first-turn application stands ahead of you under the one-to-three rule."),
                ngettext(
                    "%(count)s first-turn application stands ahead of you under the one-to-three rule.",
                    "%(count)s first-turn applications stand ahead of you under the one-to-three rule.",
                    standing.first_turn_ahead,
                )
                % {"count": standing.first_turn_ahead},
            )
        )
    return sentences


def _none_or(count: int, none: str, counted: str) -> str:
    """The sentence for none when nobody stands there: "no application", never "0 applications"."""
    return none if count == 0 else counted
