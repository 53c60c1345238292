"""The cabinet's line about access and referrals of one application, a panel of ``applications.panels``.

The cabinet's pages (applications/) show it without knowing the placement
engine (``PlacementsConfig.ready`` registers it): open access and until when,
the referral held, or the last one. The application's status says which of
these can exist, so an application in none of those states costs no query
(the cabinet's list keeps its query budget). Places open to everyone after a
priority window are looked for only where asked (``open_places=True``, the application's own page).
"""

import datetime

from django.db.models import Exists, Expression, OuterRef
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from applications.choices import Status
from applications.models import Application
from bulletins import selectors as bulletin_selectors
from bulletins.models import Access
from core import clock
from core.dates import last_day
from core.prepared import table_names
from directory.models import Kindergarten
from placements import selectors
from placements.models import Referral

HOLDING = (Status.REFERRAL_ISSUED, Status.AWAITING_BENEFIT_CONFIRMATION)
AFTER_A_REFERRAL = (Status.ENROLLED, Status.STOP_LIST)


def referral_state(application, *, open_places: bool = False) -> SafeString:
    return render_to_string("placements/includes/referral_state.html", _state(application, open_places))


def _state(application, open_places: bool) -> dict:
    now = clock.now()
    state = {"application": application, "referral": None, "access_last_day": None, "open_to_all": False}
    if application.status in HOLDING:
        state["referral"] = selectors.active_referral(application)
    elif application.status in AFTER_A_REFERRAL:
        state["referral"] = (
            Referral.objects.filter(application=application).select_related("kindergarten").first()
        )
    elif application.status == Status.ACCESS_OPEN:
        access = bulletin_selectors.open_accesses(application, now=now).first()
        if access is not None:
            state["access_last_day"] = last_day(access.ends_at)
    if state["referral"] is not None:
        state["verdict"] = selectors.verdict(state["referral"], now=now)
    if open_places and application.status == Status.IN_QUEUE:
        state["open_to_all"] = bulletin_selectors.takeable_places_for(application, now=now).exists()
    return state


#: The application's referrals with their kindergartens, and its accesses, as row versions (``xmin``).
_ROWS_SQL = """
    SELECT COALESCE((SELECT string_agg(r.id::text || ':' || r.xmin::text || ':' || k.xmin::text, ','
                ORDER BY r.id) FROM {referrals} AS r JOIN {kindergartens} AS k ON k.id = r.kindergarten_id
                WHERE r.application_id = {applications}.id), '')
        || '/' || COALESCE((SELECT string_agg(x.id::text || ':' || x.xmin::text, ',' ORDER BY x.id)
                FROM {accesses} AS x WHERE x.application_id = {applications}.id), '')
"""


def referral_state_version(now: datetime.datetime) -> tuple[Expression, ...]:
    """What ``referral_state`` shows changes only with these: the rows it reads, and at ``now`` whether
    an access still runs and whether a place is open to the application. (A referral expires at
    midnight: the page's key holds the day.)"""
    rows = _ROWS_SQL.format(
        **table_names(
            referrals=Referral, kindergartens=Kindergarten, accesses=Access, applications=Application
        )
    )
    return (
        RawSQL(f"({rows})", ()),  # noqa: S611 - table names from _meta only
        Exists(bulletin_selectors.open_accesses(OuterRef("pk"), now=now)),
        Exists(bulletin_selectors.takeable_places_for(OuterRef(OuterRef("pk")), now=now)),
    )
