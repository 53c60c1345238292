"""What the apps above applications add to the parent's pages of one application (the cabinet, its page).

The cabinet lives in ``applications``, but the lines about access and
referrals belong to ``placements``, which applications may not import. So an
upper app registers a panel when Django starts (its ``AppConfig.ready``), and
the cabinet's templates render the registered panels in order
(``{% application_panels application %}``): the arrow stays pointing down.

Each panel also names its state: an expression over an application row whose
value changes whenever what the panel shows may change. The application's page
is cached under it (``selectors.page_state``), so a page served again shows
what its panels would show now.
"""

import datetime
from collections.abc import Callable

from django.db.models import Expression
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

#: A panel renders HTML for one application; ``open_places`` asks for the extras of the application's page.
Panel = Callable[..., SafeString]
#: A panel's state at ``now``: expressions annotated on ``Application`` rows (``OuterRef("pk")`` is the row).
PanelState = Callable[[datetime.datetime], tuple[Expression, ...]]

_panels: list[Panel] = []
_states: list[PanelState] = []


def register_panel(panel: Panel, *, state: PanelState) -> None:
    """Show ``panel(application, open_places=...)`` on the parent's pages; registering twice shows it once."""
    if panel not in _panels:
        _panels.append(panel)
        _states.append(state)


def render_panels(application, *, open_places: bool = False) -> SafeString:
    return format_html_join("", "{}", ((panel(application, open_places=open_places),) for panel in _panels))


def panel_states(now: datetime.datetime) -> list[Expression]:
    """The registered panels' states at ``now``, in the panels' order."""
    return [expression for state in _states for expression in state(now)]
