"""Reads of applications for the parent's cabinet, the public check and the staff desk (STYLE.md).

A parent reaches only their own records: every read here that takes an
``applicant`` filters by it, so a number or an id of another family finds
nothing, exactly as a number that does not exist.
"""

import datetime
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Applicant
from audit.models import AuditEvent
from audit.vocabulary import AuditAction, label_of
from core import clock
from core.prepared import Prepared, table_names
from directory.models import Kindergarten, Settlement
from queues.estimate_words import wait_estimates_in_words
from queues.models import Queue, QueueEntry
from queues.selectors import expiry_due_sql, positions_of_entries, settled_entries
from queues.services import settle_expired

from . import age, numbers
from .choices import BenefitCategory, Channel, RegisterCheck, Status, Verification
from .models import Application, BenefitDocument, Child, Guardianship
from .panels import panel_states

#: The documents that make a PMPK conclusion held, exempting the child from the age limit (RULES.md 4):
#: pending or confirmed, as when applying.
CONCLUSION_VERIFICATIONS = (Verification.PENDING, Verification.CONFIRMED)
SPECIAL_NEEDS_CONCLUSION = Q(
    category=BenefitCategory.SPECIAL_NEEDS, verification__in=CONCLUSION_VERIFICATIONS
)

_AGE_FIT_SQL = """
    ({birth_date} <= %(age_fit_today)s AND (
        {birth_date} > %(age_fit_too_old_until)s
        OR EXISTS (
            SELECT 1 FROM {document} AS conclusion
            WHERE conclusion.application_id = {application}
              AND conclusion.category = %(age_fit_category)s
              AND conclusion.verification IN ({verifications})
        )
    ))
"""


def age_fit_sql(*, birth_date: str, application: str, today: datetime.date) -> tuple[str, dict]:
    """``age_ineligibility_of(...) is None`` as a SQL condition, and its named parameters (RULES.md 4).

    For the writes that choose among many children at once (opening access):
    ``birth_date`` and ``application`` are SQL expressions for the child's birth
    date and the application's id. The same rule as ``age.age_ineligibility_reason``:
    no birth date after today; and born after ``age.too_old_born_until(today)``,
    or holding a conclusion of ``SPECIAL_NEEDS_CONCLUSION``. A parametrised test
    compares the two on every kind of birth date and cut-off.
    """
    sql = _AGE_FIT_SQL.format(
        birth_date=birth_date,
        application=application,
        document=connection.ops.quote_name(BenefitDocument._meta.db_table),
        verifications=", ".join(
            f"%(age_fit_verification_{index})s" for index in range(len(CONCLUSION_VERIFICATIONS))
        ),
    )
    adapt = connection.ops.adapt_datefield_value
    return sql, {
        "age_fit_today": adapt(today),
        "age_fit_too_old_until": adapt(age.too_old_born_until(today)),
        "age_fit_category": str(BenefitCategory.SPECIAL_NEEDS),
        **{
            f"age_fit_verification_{index}": str(verification)
            for index, verification in enumerate(CONCLUSION_VERIFICATIONS)
        },
    }


def year_fits_sql(*, birth_year: str, today: datetime.date) -> tuple[str, dict]:
    """``birth_year in age.years_that_fit(today)`` as a SQL condition, and its named parameters.

    True where every child born in ``birth_year`` (a SQL expression) fits the
    age rule today, so that a condition over many children (opening access)
    reads a child's birth date only in the years at the ends of the rule.
    """
    years = age.years_that_fit(today)
    return f"({birth_year} BETWEEN %(year_fits_first)s AND %(year_fits_last)s)", {
        "year_fits_first": years.start,
        "year_fits_last": years.stop - 1,
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
            label=label_of(event.action),
            role=ROLE_LABELS.get(event.actor_role, ""),
            note=_history_note(event),
        )
        for event in events
    ]


def _history_note(event: AuditEvent) -> str:
    details = event.details or {}
    if event.action == AuditAction.APPLICATION_SUBMITTED:
        return _label_of(Channel, details.get("channel"))
    if event.action == AuditAction.APPLICATION_WITHDRAWN:
        return details.get("reason") or ""
    note = _label_of(BenefitCategory, details.get("category"))
    if event.action == AuditAction.BENEFIT_REJECTED and details.get("reason"):
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

    Each carries ``own_active_applications``: the parent's active application for it, if any, and
    ``register_check``: what the person register said of the parent's claim (``RegisterCheck``; null
    for a child known only from an application).
    """
    own_active = Application.objects.active().filter(applicant=applicant).order_by("-registered_at")
    check = Guardianship.objects.filter(applicant=applicant, child=OuterRef("pk")).values("register_check")
    return (
        Child.objects.filter(Q(guardianships__applicant=applicant) | Q(applications__applicant=applicant))
        .distinct()
        .annotate(register_check=Subquery(check[:1]))
        .prefetch_related(Prefetch("applications", queryset=own_active, to_attr="own_active_applications"))
        .order_by("birth_date", "surname", "name", "id")
    )


def children_to_apply_for(applicant: Applicant) -> QuerySet[Child]:
    """The parent's children without an active application of theirs, and not refused by the register."""
    own_active = Application.objects.active().filter(applicant=applicant).values("child_id")
    refused = Guardianship.objects.filter(applicant=applicant, register_check=RegisterCheck.REFUSED)
    return children_of(applicant).exclude(pk__in=own_active).exclude(pk__in=refused.values("child_id"))


def awaits_register_check(application: Application) -> bool:
    """Whether the person register has yet to check the child of this live application (issue 18).

    The application itself awaits (paper, API) or its child awaits on the
    parent's list (the portal: the child was added while the register was silent).
    """
    if not application.is_active:
        return False
    if application.register_check == RegisterCheck.AWAITING:
        return True
    if hasattr(application, "child_awaits_register"):  # read with it by ``own_application``
        return application.child_awaits_register
    return Guardianship.objects.filter(
        applicant_id=application.applicant_id,
        child_id=application.child_id,
        register_check=RegisterCheck.AWAITING,
    ).exists()


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
    child_awaits = Guardianship.objects.filter(
        applicant=applicant, child=OuterRef("child_id"), register_check=RegisterCheck.AWAITING
    )
    found = (
        Application.objects.filter(applicant=applicant, number=normalised)
        .select_related("child", "settlement")
        .annotate(child_awaits_register=Exists(child_awaits))
        .first()
    )
    if found is not None:
        found.applicant = applicant  # the signed-in parent's own row: a page that names it reads it no more
    return found


_own_application_ids = Prepared(
    lambda applicant_id, number: Application.objects.filter(
        applicant=applicant_id, number=number
    ).values_list("pk"),
    applicant_id=int,
    number=str,
)


def own_application_key(applicant: Applicant, number: str) -> Application | None:
    """``own_application`` with only its key read, with SQL compiled once a process, or None.

    For a press of **Get referral**, which needs only to know the number is the
    parent's own: the instance holds its id, number and applicant (the
    signed-in parent's row); any other field is read when first touched, as
    with ``only()``, never guessed.
    """
    normalised = numbers.normalise(number)
    if normalised is None:
        return None
    rows = _own_application_ids.rows(applicant_id=applicant.pk, number=normalised)
    if not rows:
        return None
    loaded = {"id": rows[0][0], "number": normalised, "applicant_id": applicant.pk}
    names = [field.attname for field in Application._meta.concrete_fields if field.attname in loaded]
    application = Application.from_db(DEFAULT_DB_ALIAS, names, [loaded[name] for name in names])
    application.applicant = applicant
    return application


#: What an application's own page shows, as versions of the rows it reads: each row's ``xmin``
#: (PostgreSQL gives a row a new one on every update), each queue's version (positions, histories and
#: estimates follow it), the application's newest audit event (its history only grows).
_ROWS_SQL = """
    SELECT {applications}.xmin::text || '/' || c.xmin::text || '/' || s.xmin::text
        || '/' || COALESCE((SELECT string_agg(g.xmin::text, ',') FROM {guardianships} AS g
            WHERE g.applicant_id = {applications}.applicant_id AND g.child_id = c.id), '')
        || '/' || COALESCE((SELECT string_agg(d.id::text || ':' || d.xmin::text, ',' ORDER BY d.id)
            FROM {documents} AS d WHERE d.application_id = {applications}.id), '')
        || '/' || COALESCE((SELECT string_agg(e.id::text || ':' || e.xmin::text || ':' || q.version::text,
            ',' ORDER BY e.id) FROM {entries} AS e JOIN {queues} AS q ON q.id = e.queue_id
            WHERE e.application_id = {applications}.id), '')
        || '/' || COALESCE((SELECT string_agg(k.id::text || ':' || k.xmin::text, ',' ORDER BY k.id)
            FROM {preferred} AS p JOIN {kindergartens} AS k ON k.id = p.kindergarten_id
            WHERE p.application_id = {applications}.id), '')
        || '/' || COALESCE((SELECT max(v.id) FROM {events} AS v
            WHERE v.target_type = %s AND v.target_id = {applications}.id::text)::text, '')
    FROM {children} AS c, {settlements} AS s
    WHERE c.id = {applications}.child_id AND s.id = {applications}.settlement_id
"""


def _states_query(applicant_id: int, now: datetime.datetime) -> QuerySet:
    """Each of the parent's applications with what its pages show, as versions (``_ROWS_SQL``, panels)."""
    rows = _ROWS_SQL.format(
        **table_names(
            applications=Application,
            children=Child,
            settlements=Settlement,
            guardianships=Guardianship,
            documents=BenefitDocument,
            entries=QueueEntry,
            queues=Queue,
            preferred=Application.preferred_kindergartens.through,
            kindergartens=Kindergarten,
            events=AuditEvent,
        )
    )
    return (
        Application.objects.filter(applicant_id=applicant_id)
        .order_by("pk")
        .values_list(
            "number",
            RawSQL(f"({rows})", (Application._meta.label_lower,)),  # noqa: S611 - table names from _meta only
            *panel_states(now),
        )
    )


_application_state = Prepared(
    lambda applicant_id, number, now: _states_query(applicant_id, now).filter(number=number),
    applicant_id=int,
    number=str,
    now=datetime.datetime,
)
_cabinet_state = Prepared(_states_query, applicant_id=int, now=datetime.datetime)


def page_state(applicant: Applicant, number: str, *, now: datetime.datetime) -> tuple | None:
    """What the parent's application page shows, as versions read in one statement compiled once a
    process: the key of the page in the cache (``core.pagecache.private_page``), so a page is served
    again only while nothing on it has changed. None for a number that is not this parent's.

    None too where rows carry no version (the embedded SQLite of ``make run``): the page is then
    rendered every time.
    """
    normalised = numbers.normalise(number)
    if connection.vendor != "postgresql" or normalised is None:
        return None
    found = _application_state.rows(applicant_id=applicant.pk, number=normalised, now=now)
    return found[0] if found else None


def cabinet_state(applicant: Applicant, *, now: datetime.datetime) -> tuple | None:
    """``page_state`` of every application of the parent: what "My applications" shows, in one statement
    (None where rows carry no version)."""
    if connection.vendor != "postgresql":
        return None
    return tuple(_cabinet_state.rows(applicant_id=applicant.pk, now=now))


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
    """An application found by its number, and ``state``: its status, when that last changed and each
    of its queues' versions. Everything the public check shows is a function of ``state``."""

    application_id: int
    status: str
    state: tuple

    def standing(self) -> PublicStanding:
        """The positions, read now: only a page rendered anew needs them. Read after ``state``, they are
        never older than it; the page kept under it can only be newer, and then its key is already past."""
        entries = settled_entries(
            QueueEntry.objects.standing()
            .filter(application_id=self.application_id)
            .select_related("queue")
            .order_by("queue__kind")
        )
        return PublicStanding(
            status_label=Status(self.status).label,
            positions=[
                (position.entry.queue.get_kind_display(), position.standing.position)
                for position in positions_of_entries(entries)
            ],
        )


#: The state of the application numbered as the last parameter: a row per standing entry (or one
#: with no entry), each saying whether an expiry is due in its queue (the first parameter, the day).
_CHECK_STATE_SQL = """
    SELECT application.id, application.status, application.status_changed_at, entry.queue_id,
        queue.version, {expiry_due}
    FROM {application} application
    LEFT JOIN {entry} entry ON entry.application_id = application.id AND entry.left_at IS NULL
    LEFT JOIN {queue} queue ON queue.id = entry.queue_id
    WHERE application.number = %s ORDER BY queue.kind
"""


def public_check(number: str) -> PublicCheck | None:
    """The application with this number, or None for a number that is malformed or unknown.

    Read on every look-up, whether or not the page is then served from the
    cache: so one small statement, never compiled by the ORM. Only when a
    benefit's expiry is due in one of its queues (once a day at most) is it
    applied and the state read again, as every read of positions does.
    """
    normalised = numbers.normalise(number)
    if normalised is None:
        return None
    now = clock.now()
    rows = _check_state_rows(normalised, today=timezone.localdate(now))
    due = {queue_id for _id, _status, _at, queue_id, _version, expiry_due in rows if expiry_due}
    if due and settle_expired(due, now=now):
        rows = _check_state_rows(normalised, today=timezone.localdate(now))
    if not rows:
        return None
    application_id, status, changed_at = rows[0][:3]
    versions = tuple((queue_id, version) for _id, _s, _at, queue_id, version, _due in rows if queue_id)
    return PublicCheck(application_id=application_id, status=status, state=(status, changed_at, *versions))


def _check_state_rows(number: str, *, today: datetime.date) -> list[tuple]:
    sql = _CHECK_STATE_SQL.format(
        expiry_due=expiry_due_sql("entry"),
        **table_names(application=Application, entry=QueueEntry, queue=Queue),
    )
    # Where the ORM would read (the replica, in the views core.replicas sends there).
    with connections[router.db_for_read(Application) or DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, [today, number])
        return cursor.fetchall()


def wait_estimates(application: Application, positions) -> list[dict]:
    """The wait estimate of each of the application's ``positions``, in words, with the ageing-out
    warning: the day its child ages out, unless a PMPK conclusion exempts it (RULES.md section 4).
    """
    today = timezone.localdate(clock.now())
    exempt = application.benefit_documents.filter(SPECIAL_NEEDS_CONCLUSION).exists()
    ages_out = None if exempt else age.ages_out_on(application.child.birth_date, today)
    return wait_estimates_in_words(positions, today=today, ages_out_on=ages_out)
