"""What the apps above applications do when an application is withdrawn (RULES.md section 5).

A withdrawn application gives up the referral or the priority access it
holds, and the place returns at once. Referrals belong to ``placements`` and
accesses to ``bulletins``, which applications may not import; so, as with the
panels (``applications.panels``), each registers what it gives up when Django
starts (its ``AppConfig.ready``), and ``services.withdraw_application`` calls
them in its own transaction, after the application has left its queues.
"""

import datetime
from collections.abc import Callable

#: ``give_up(application=..., actor=..., now=...)``, with the application row locked and already withdrawn.
GiveUp = Callable[..., None]

_give_ups: list[GiveUp] = []


def register_give_up(give_up: GiveUp) -> None:
    """Call ``give_up`` on every withdrawal; registering twice calls it once."""
    if give_up not in _give_ups:
        _give_ups.append(give_up)


def give_up_holdings(*, application, actor, now: datetime.datetime) -> None:
    for give_up in _give_ups:
        give_up(application=application, actor=actor, now=now)
