"""What the apps above applications add to the parent's pages of one application (the cabinet, its page).

The cabinet lives in ``applications``, but the lines about access and
referrals belong to ``placements``, which applications may not import. So an
upper app registers a panel when Django starts (its ``AppConfig.ready``), and
the cabinet's templates render the registered panels in order
(``{% application_panels application %}``): the arrow stays pointing down.
"""

from collections.abc import Callable

from django.utils.html import format_html_join
from django.utils.safestring import SafeString

#: A panel renders HTML for one application; ``open_places`` asks for the extras of the application's page.
Panel = Callable[..., SafeString]

_panels: list[Panel] = []


def register_panel(panel: Panel) -> None:
    """Show ``panel(application, open_places=...)`` on the parent's pages; registering twice shows it once."""
    if panel not in _panels:
        _panels.append(panel)


def render_panels(application, *, open_places: bool = False) -> SafeString:
    return format_html_join("", "{}", ((panel(application, open_places=open_places),) for panel in _panels))
