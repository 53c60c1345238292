"""A position history in words a parent understands, in the active language (issue 12 item 1).

One shape for every reader (the parent's page, the call-centre desk, the API):
per day, newest first, the position at the day's start and end and one
sentence per cause with its count; the application's own events in their own
sentences; and the totals of the last 30 days. The numbers come from
``history`` (replayed by ``selectors.position_history``); nothing here counts.
"""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import clock

from . import selectors
from .choices import BenefitClass
from .choices import QueueEventCause as Cause
from .history import CLOSER, JOIN_MARGIN, Day, Step, by_day, totals

OUT_OF_TURN, FIRST_TURN, GENERAL = BenefitClass.OUT_OF_TURN, BenefitClass.FIRST_TURN, BenefitClass.GENERAL
TOTALS_DAYS = 30
#: The days a short history shows (the application page, the desk, the API look-up).
SHORT_DAYS = 5
#: The days the whole-history page shows at a time, latest first. A year at the back of a large queue is
#: about 180 days with changes: rendered at once they were a third of the page's time (issue 12).
HISTORY_PAGE_DAYS = 30


def _others(cause: str, direction: str, new_class: int, count: int) -> str:
    """How ``count`` other applications' events of one kind moved this one, in one sentence."""
    closer = direction == CLOSER
    if cause == Cause.ENROLLED:
        return ngettext(
            "%(count)s child ahead of you was enrolled in a kindergarten.",
            "%(count)s children ahead of you were enrolled in a kindergarten.",
            count,
        )
    if cause == Cause.WITHDRAWN:
        return ngettext(
            "%(count)s application ahead of you was withdrawn.",
            "%(count)s applications ahead of you were withdrawn.",
            count,
        )
    if cause == Cause.AGED_OUT:
        return ngettext(
            "%(count)s child ahead of you grew too old for the queue and left it.",
            "%(count)s children ahead of you grew too old for the queue and left it.",
            count,
        )
    if cause == Cause.DUPLICATE:
        return ngettext(
            "%(count)s duplicate application ahead of you was removed.",
            "%(count)s duplicate applications ahead of you were removed.",
            count,
        )
    if cause == Cause.QUEUE_KIND_DROPPED:
        return ngettext(
            "%(count)s application ahead of you left this queue: the child no longer needs this kind "
            "of group.",
            "%(count)s applications ahead of you left this queue: the children no longer need this kind "
            "of group.",
            count,
        )
    if cause == Cause.BACKDATED_PAPER and not closer:
        return ngettext(
            "%(count)s paper application, received before yours, was registered ahead of you.",
            "%(count)s paper applications, received before yours, were registered ahead of you.",
            count,
        )
    if cause == Cause.SUBMITTED and not closer:
        return ngettext(
            "%(count)s new general application now stands ahead of you: one first-turn place comes after "
            "every three general ones.",
            "%(count)s new general applications now stand ahead of you: one first-turn place comes after "
            "every three general ones.",
            count,
        )
    if cause == Cause.BENEFIT_CONFIRMED and not closer and new_class == OUT_OF_TURN:
        return ngettext(
            "%(count)s application with a confirmed out-of-turn benefit now stands ahead of you: "
            "out-of-turn applications always come first.",
            "%(count)s applications with a confirmed out-of-turn benefit now stand ahead of you: "
            "out-of-turn applications always come first.",
            count,
        )
    if cause == Cause.BENEFIT_CONFIRMED and not closer:
        return ngettext(
            "%(count)s application with a confirmed first-turn benefit now stands ahead of you "
            "(one after every three general ones).",
            "%(count)s applications with a confirmed first-turn benefit now stand ahead of you "
            "(one after every three general ones).",
            count,
        )
    if cause == Cause.BENEFIT_CONFIRMED:
        return ngettext(
            "%(count)s application ahead of you moved to the first-turn list and now stands behind you "
            "(one first-turn place after every three general ones).",
            "%(count)s applications ahead of you moved to the first-turn list and now stand behind you "
            "(one first-turn place after every three general ones).",
            count,
        )
    if cause in (Cause.BENEFIT_REJECTED, Cause.BENEFIT_EXPIRED) and closer:
        return ngettext(
            "%(count)s application ahead of you lost its benefit (rejected or expired) and now stands "
            "behind you.",
            "%(count)s applications ahead of you lost their benefit (rejected or expired) and now stand "
            "behind you.",
            count,
        )
    if cause in (Cause.BENEFIT_REJECTED, Cause.BENEFIT_EXPIRED):
        return ngettext(
            "%(count)s application lost its benefit (rejected or expired) and now stands ahead of you "
            "by its earlier submission time.",
            "%(count)s applications lost their benefit (rejected or expired) and now stand ahead of you "
            "by their earlier submission time.",
            count,
        )
    if cause == Cause.REFERRAL_CANCELLED and not closer:
        return ngettext(
            "%(count)s application whose referral was cancelled returned to the general list with its "
            "original submission time, ahead of you.",
            "%(count)s applications whose referrals were cancelled returned to the general list with their "
            "original submission time, ahead of you.",
            count,
        )
    if closer:
        return ngettext(
            "%(count)s other change brought you closer to the front.",
            "%(count)s other changes brought you closer to the front.",
            count,
        )
    return ngettext(
        "%(count)s other change moved you further back.",
        "%(count)s other changes moved you further back.",
        count,
    )


_OWN_CAUSE = {
    Cause.BENEFIT_CONFIRMED: lambda: _("Your benefit was confirmed."),
    Cause.BENEFIT_REJECTED: lambda: _("A benefit document of yours was rejected."),
    Cause.BENEFIT_EXPIRED: lambda: _("The term of your benefit document ended."),
    Cause.REFERRAL_CANCELLED: lambda: _(
        "Your referral was cancelled because the out-of-turn benefit was not confirmed."
    ),
}

_OWN_CLASS = {
    OUT_OF_TURN: lambda: _("You moved to the out-of-turn list, which always comes first."),
    FIRST_TURN: lambda: _(
        "You moved to the first-turn list: one first-turn place after every three general ones."
    ),
    GENERAL: lambda: _("Your application now stands in the general list, by its original submission time."),
}


def _own(step: Step) -> str:
    """The application's own event, in one sentence (two for a change of list: why, and where to)."""
    if step.position_before is None:
        if step.cause == Cause.BACKDATED_PAPER:
            text = _(
                "Your paper application was registered with the time it was received, at position %(n)s."
            )
        else:
            text = _("Your application joined the queue at position %(n)s.")
        return text % {"n": step.position_after}
    if step.position_after is None:
        return _("Your application left this queue: %(reason)s.") % {
            "reason": Cause(step.cause).label.lower()
        }
    why = _OWN_CAUSE.get(step.cause, lambda: _("Your list in the queue changed."))()
    return f"{why} {_OWN_CLASS[step.new_class]()}"


def _day_summary(day: Day) -> str:
    if day.position_before is None and day.position_after is None:
        return _("Joined and left the queue the same day.")
    if day.position_before is None:
        return _("Joined the queue: position %(after)s.") % {"after": day.position_after}
    if day.position_after is None:
        return _("Left the queue (position %(before)s before).") % {"before": day.position_before}
    return _("From position %(before)s to %(after)s.") % {
        "before": day.position_before,
        "after": day.position_after,
    }


def day_in_words(day: Day) -> dict:
    """One day: the date, positions, a summary and the sentences (own events first, then others')."""
    others = sorted(day.others.items(), key=lambda item: (item[0][1] != CLOSER, -item[1], item[0][0]))
    return {
        "date": day.day,
        "position_before": day.position_before,
        "position_after": day.position_after,
        "summary": _day_summary(day),
        "changes": [_own(step) for step in day.own]
        + [
            _others(cause, direction, new_class, n) % {"count": n}
            for (cause, direction, new_class), n in others
        ],
    }


def history_in_words(
    steps: list[Step],
    *,
    now: datetime.datetime,
    days: int | None = None,
    skip: int = 0,
    complete: bool = True,
) -> dict:
    """The history of one entry in one queue: ``days`` days (all by default) after the ``skip`` latest ones,
    and 30-day totals.

    ``more_days`` counts the older days not shown. ``complete`` is False when
    ``steps`` are only the latest part of the history (a short history reads the
    last 30 days): the whole one then holds more.
    """
    moved = totals(steps, since=now - datetime.timedelta(days=TOTALS_DAYS))
    all_days = by_day(steps)
    shown = all_days[skip:] if days is None else all_days[skip : skip + days]
    return {
        "days": [day_in_words(day) for day in shown],
        "more_days": max(len(all_days) - skip - len(shown), 0),
        "complete": complete,
        "last_30_days": {
            "closer": moved.closer,
            "further": moved.further,
            "summary": [
                ngettext(
                    "In the last 30 days %(count)s application ahead of you left or fell behind you.",
                    "In the last 30 days %(count)s applications ahead of you left or fell behind you.",
                    moved.closer,
                )
                % {"count": moved.closer},
                ngettext(
                    "In the last 30 days %(count)s application came to stand ahead of you.",
                    "In the last 30 days %(count)s applications came to stand ahead of you.",
                    moved.further,
                )
                % {"count": moved.further},
            ],
        },
    }


def entry_history(entry, *, page: int = 1) -> dict:
    """The whole history of a ``QueueEntry`` in words, ``HISTORY_PAGE_DAYS`` days a page, latest first.

    The history page: page 1 the latest days since the entry joined, page 2 those before, and so on.
    """
    return history_in_words(
        selectors.position_history(entry),
        now=clock.now(),
        days=HISTORY_PAGE_DAYS,
        skip=(page - 1) * HISTORY_PAGE_DAYS,
    )


def short_histories(entries) -> list[dict]:
    """The short histories of entries loaded by ``selectors`` (settled), in two statements for all.

    Only the last 30 days are replayed (the totals' window), not every event since
    the entry joined: at the back of a large queue a year is thousands of events,
    and the application page and the API look-up show five days. ``more_days``
    counts the window's days not shown; ``complete`` says whether the entry
    joined within the window, so that nothing older exists.
    """
    now = clock.now()
    since = now - datetime.timedelta(days=TOTALS_DAYS)
    replayed = selectors.position_histories(entries, since=[since] * len(entries))
    return [
        history_in_words(steps, now=now, days=SHORT_DAYS, complete=entry.joined_at - JOIN_MARGIN >= since)
        for entry, steps in zip(entries, replayed, strict=True)
    ]
