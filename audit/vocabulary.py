"""Every action the audit trail records, named once, with the words people read for it (issue 17 item 5).

A service records ``AuditAction.REFERRAL_TAKEN``, never a string typed again;
the parent's history, the staff desk and the staff admin read ``label_of``,
so nobody sees ``referral.downloaded``. The Kazakh and Russian words are in
``locale/``; ``audit/tests/test_vocabulary.py`` fails on an action recorded
anywhere in the code without a label, and on a label without a translation.

Writes made through the staff admin are recorded as ``<model>.added`` and
``<model>.changed`` (``audit/changes.py``); their label names the record's
kind from the model's own verbose name.
"""

import datetime
import re

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.dates import format_date, format_datetime


class AuditAction(models.TextChoices):
    # Applications, children and benefits
    APPLICATION_SUBMITTED = "application.submitted", _("Application registered")
    APPLICATION_WITHDRAWN = "application.withdrawn", _("Application withdrawn")
    APPLICATION_AGED_OUT = "application.aged_out", _("Left the queue by age")
    APPLICATION_LOOKED_UP = "application.looked_up", _("Looked up to answer a call or an enquiry")
    APPLICATION_LOOKUP_NOT_FOUND = "application.lookup_not_found", _("Look-up that found no application")
    CHILD_ADDED = "child.added", _("Child added")
    PERSON_REGISTER_ASKED = "register.person_asked", _("Person register asked about a child")
    REGISTER_COMPARISON_REFUSED = (
        "register.comparison_refused",
        _("Comparison with the person register refused"),
    )
    REGISTER_CHECK_AWAITED = (
        "register.check_awaited",
        _("Child added while the person register did not answer"),
    )
    REGISTER_CHECK_CONFIRMED = "register.check_confirmed", _("Person register confirmed the child")
    REGISTER_CHECK_REFUSED = "register.check_refused", _("Person register did not confirm the child")
    REGISTER_DIFFERENCE_RECORDED = (
        "register.difference_recorded",
        _("Application differs from the person register"),
    )
    APPLICATION_WITHDRAWN_BY_REGISTER = (
        "application.withdrawn_by_register",
        _("Withdrawn: the person register does not confirm the child"),
    )
    BENEFIT_DOCUMENT_ADDED = "benefit.document_added", _("Benefit document added")
    BENEFIT_CONFIRMED = "benefit.confirmed", _("Benefit confirmed")
    BENEFIT_REJECTED = "benefit.rejected", _("Benefit rejected")
    BENEFIT_EXPIRED = "benefit.expired", _("Benefit expired")
    DOCUMENT_OPENED = "document.opened", _("Benefit document opened")
    RETENTION_PURGED = "retention.purged", _("Files of ended applications deleted")
    # Bulletins and access to places
    VACANCY_REPORTED = "vacancy.reported", _("Free places reported by the kindergarten")
    VACANCY_DECLINED = "vacancy.declined", _("Report of free places declined")
    VACANCY_INCLUDED = "vacancy.included", _("Reported free places included in a bulletin")
    VACANCY_TAKEN_BACK = "vacancy.taken_back", _("Reported free places taken back out of a draft bulletin")
    BULLETIN_CREATED = "bulletin.created", _("Bulletin started")
    BULLETIN_PLACE_REMOVED = "bulletin.place_removed", _("Places removed from a draft bulletin")
    BULLETIN_PLACE_ADDED = "bulletin.place_added", _("Place added to a bulletin")
    BULLETIN_PLACE_WITHDRAWN = "bulletin.place_withdrawn", _("Place withdrawn from a bulletin")
    BULLETIN_PUBLISHED = "bulletin.published", _("Bulletin published")
    BULLETIN_ACCESS_OPENED = "bulletin.access_opened", _("Access to places opened for the head of the queue")
    ACCESS_OPENED = "access.opened", _("Access to a referral opened")
    ACCESS_ENDED = "access.ended", _("Access to a referral ended")
    # Referrals and enrolment
    REFERRAL_TAKEN = "referral.taken", _("Referral taken")
    REFERRAL_BENEFIT_CONFIRMED = "referral.benefit_confirmed", _("Out-of-turn benefit confirmed")
    REFERRAL_EXTENDED = "referral.extended", _("Referral extended")
    REFERRAL_DOWNLOADED = "referral.downloaded", _("Referral downloaded as PDF")
    REFERRAL_VERIFIED = "referral.verified", _("Printed referral checked")
    REFERRAL_ENROLLED = "referral.enrolled", _("Enrolment registered")
    REFERRAL_CANCELLED = "referral.cancelled", _("Referral cancelled")
    REFERRAL_ANNULLED = "referral.annulled", _("Referral annulled")
    REFERRAL_DECLINED = "referral.declined", _("Referral declined: the place went back to the bulletin")
    STOP_LIST_LIFTED = "stop_list.lifted", _("Back in the queue after the stop-list")
    # Staff exports (issue 14)
    QUEUE_EXPORTED = "export.queue", _("Queue downloaded with its positions")
    BULLETIN_EXPORTED = "export.bulletin", _("Outcome of a bulletin downloaded")
    REFERRALS_EXPORTED = "export.referrals", _("Referrals of a period downloaded")
    ENROLMENTS_EXPORTED = "export.enrolments", _("Enrolments of a period downloaded")
    # Accounts and signing in
    APPLICANT_REGISTERED = "applicant.registered", _("Parent registered")
    MOVE_NOTICES_CHOSEN = "applicant.move_notices_chosen", _("Notices of position moves chosen")
    SIGN_IN_SUCCEEDED = "sign_in.succeeded", _("Signed in")
    SIGN_IN_FAILED = "sign_in.failed", _("Sign-in refused")
    SIGN_IN_LOCKED_OUT = "sign_in.locked_out", _("Sign-in locked after failed attempts")
    SIGN_IN_LOCKOUT_LIFTED = "sign_in.lockout_lifted", _("Sign-in lock lifted")
    SIGN_IN_SESSION_EXPIRED = "sign_in.session_expired", _("Session expired")
    SIGN_IN_SESSIONS_ENDED = "sign_in.sessions_ended", _("Sessions ended")
    SIGN_IN_SIGNED_OUT = "sign_in.signed_out", _("Signed out")
    SECOND_FACTOR_ENROLLED = "second_factor.enrolled", _("Second factor set up")
    SECOND_FACTOR_VERIFIED = "second_factor.verified", _("Second factor checked")
    SECOND_FACTOR_RESET = "second_factor.reset", _("Second factor reset")
    ONE_TIME_CODE_SENT = "one_time_code.sent", _("One-time code sent")
    ONE_TIME_CODE_WITHHELD = "one_time_code.withheld", _("One-time code not sent")
    ONE_TIME_CODE_REFUSED = "one_time_code.refused", _("One-time code refused: too many requests")
    ONE_TIME_CODE_ACCEPTED = "one_time_code.accepted", _("One-time code accepted")
    ONE_TIME_CODE_CHECK_FAILED = "one_time_code.check_failed", _("Wrong one-time code")
    ACCESS_REFUSED = "access.refused", _("Page refused")
    # The integration API
    API_TOKEN_ISSUED = "api_token.issued", _("API token issued")
    API_TOKEN_REVOKED = "api_token.revoked", _("API token revoked")


#: The verbs of writes made through the staff admin (``core.admin.AnnouncesChanges``), and their words.
ADMIN_VERBS = {
    "added": _("Added in the staff admin: %(record)s"),
    "changed": _("Changed in the staff admin: %(record)s"),
}


def label_of(action: str) -> str:
    """How a person reads ``action``, in the active language; never the action's code."""
    try:
        return str(AuditAction(action).label)
    except ValueError:
        pass
    model_name, _dot, verb = action.rpartition(".")
    model = _models_by_name().get(model_name)
    if verb in ADMIN_VERBS and model is not None:
        return ADMIN_VERBS[verb] % {"record": model._meta.verbose_name}
    return gettext("Other recorded action")


def _models_by_name() -> dict:
    return {model._meta.model_name: model for model in apps.get_models()}


# --- the details of an event ------------------------------------------------------------------------------
# A service writes ``details={"channel": "portal", ...}``; staff and parents read "Channel: Portal". Every
# key written anywhere has its words here (``audit/tests/test_detail_words.py`` fails on one without), and
# so has every code written as a value: those the services spell out here, those of an app's choices
# registered by that app (``describe_codes``, from its ``AppConfig.ready``: this app imports none of them).
# A value that is no code (a number, a reason a person typed, a masked IIN) is shown as it is; a date or
# a moment as dd.mm.yyyy or dd.mm.yyyy hh:mm.

DETAIL_KEYS = {
    "access": _("Access"),
    "applicant": _("Parent"),
    "application": _("Application"),
    "applications_ended_before": _("Applications that ended before"),
    "applications_withdrawn": _("Applications withdrawn"),
    "backend": _("Signed in with"),
    "bulletin": _("Bulletin"),
    "by": _("Found by"),
    "category": _("Benefit"),
    "channel": _("Channel"),
    "class": _("Class in the queue"),
    "consent_version": _("Version of the consent"),
    "corrected_fields": _("Fields corrected"),
    "devices": _("Devices removed"),
    "district": _("District"),
    "document": _("Document"),
    "documents": _("Documents"),
    "documents_removed": _("Documents that stopped counting"),
    "ends_at": _("Access ends"),
    "enrolment": _("Enrolment"),
    "estimate_band": _("Told of estimate changes"),
    "failed_attempts": _("Wrong entries"),
    "failures": _("Failed attempts"),
    "fields": _("Fields"),
    "first_sign_in": _("First sign-in"),
    "format": _("File format"),
    "found": _("Found"),
    "from": _("From"),
    "group": _("Group"),
    "iin": _("IIN"),
    "ip_address": _("Address"),
    "kindergarten": _("Kindergarten"),
    "last_failure": _("Last failed attempt"),
    "limit": _("Limit reached for"),
    "locked": _("Locked"),
    "method": _("Method"),
    "new_record": _("New record"),
    "note": _("Note"),
    "number": _("Number"),
    "opened": _("Accesses opened"),
    "organisation": _("Organisation"),
    "organisation_name": _("Name of the organisation"),
    "out_of_turn": _("Out of turn"),
    "outcome": _("Answer"),
    "path": _("Page"),
    "phone": _("Phone"),
    "place": _("Place of the bulletin"),
    "places": _("Places"),
    "position": _("Position"),
    "prefix": _("Token prefix"),
    "priority_until": _("Priority window until"),
    "purpose": _("Purpose"),
    "queue": _("Queue"),
    "queue_kinds": _("Queue kinds"),
    "queues_left": _("Queues left"),
    "reason": _("Reason"),
    "referral": _("Referral"),
    "refusal": _("Why refused"),
    "related": _("Related records"),
    "reports_back_to_review": _("Reports back to review"),
    "retry_at": _("Allowed again at"),
    "returned_to_queue": _("Back in the queue"),
    "role": _("Role"),
    "sessions": _("Sessions"),
    "special_needs_conclusion_declared": _("PMPK conclusion declared"),
    "status": _("Answer code"),
    "step": _("Step"),
    "stop_list_ends_at": _("Stop-list until"),
    "stop_list_entry": _("Stop-list entry"),
    "submitted_at": _("Submitted"),
    "threshold": _("Threshold"),
    "through": _("Through"),
    "to": _("To"),
    "token": _("Token"),
    "username": _("Sign-in name"),
    "vacancy_report": _("Report of free places"),
    "valid_until": _("Valid until"),
    "window_seconds": _("Window, in seconds"),
    "withdrawn": _("Places withdrawn"),
}

#: The codes the services spell out as values, by key, and their words; apps add their choices' codes.
_CODES: dict[str, dict[str, str]] = {
    "by": {"iin": _("the child's IIN"), "number": _("the application number")},
    "step": {"password": _("password"), "second_factor": _("second factor")},
    "format": {"csv": _("CSV table"), "xlsx": _("Excel workbook (XLSX)")},
    "channel": {"desk": _("call-centre desk"), "api_session": _("integration API, staff signed in")},
    "backend": {
        "django.contrib.auth.backends.ModelBackend": _("password"),
        "accounts.backends.OneTimeCodeBackend": _("one-time code"),
    },
    "role": {"system": _("the system")},
    "limit": {"iin": _("IIN"), "phone": _("phone"), "client_ip": _("address")},
    "reason": {
        "disabled": _("the user was disabled"),
        "second_factor_reset": _("the second factor was reset"),
        "idle": _("no activity for too long"),
        "absolute": _("the longest session allowed ended"),
        "wrong": _("wrong code"),
        "expired": _("the code expired"),
        "used": _("the code was already used"),
        "void": _("the code is no longer valid"),
        "unknown": _("no such code"),
        "refused": _("the code was refused"),
        "locked": _("sign-in locked"),
    },
}


def record_kind(target_type: str) -> str:
    """The kind of record an event is about, as its model names itself (``applications.application``)."""
    model = _model(target_type)
    return str(model._meta.verbose_name).capitalize() if model is not None else target_type


def describe_codes(key: str, words) -> None:
    """Give words to the codes an app writes under ``key``: ``words`` is ``(code, label)`` pairs (choices)."""
    _CODES.setdefault(key, {}).update((str(code), label) for code, label in words)


def code_words(key: str, code) -> str | None:
    """How a person reads ``code`` written under ``key``, or ``None`` when it is no known code."""
    label = _CODES.get(key, {}).get(str(code)) if isinstance(code, str | int) else None
    return None if label is None else str(label)


def details_in_words(details: dict | None, *, target_type: str = "") -> list[tuple[str, str]]:
    """An event's details as (what, value) pairs in the active language, in the order they were written.

    ``target_type`` (``app.model``) names the record, so that field names
    (an admin's change, a correction) read as the fields' own labels.
    """
    model = _model(target_type)
    return [
        (str(DETAIL_KEYS.get(key, key)), _value_in_words(key, value, model))
        for key, value in (details or {}).items()
    ]


def _value_in_words(key: str, value, model) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(_value_in_words(key, item, model) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{what}: {words}" for what, words in details_in_words(value))
    words = code_words(key, value)
    if words is not None:
        return words
    if key in FIELD_LISTS and model is not None:
        return _field_label(model, str(value))
    if isinstance(value, str):
        moment = _moment(value)
        if moment is not None:
            return format_datetime(moment) if isinstance(moment, datetime.datetime) else format_date(moment)
    return str(value)


#: Keys whose values are the names of the record's fields.
FIELD_LISTS = frozenset({"fields", "corrected_fields"})


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a field renamed since: its name is all there is
        return name


def _model(target_type: str):
    try:
        return apps.get_model(target_type) if target_type else None
    except (LookupError, ValueError):
        return None


def _moment(text: str):
    """A date or a moment written in ISO form (``isoformat()``), else ``None``."""
    if not ISO_DATE.match(text):
        return None
    try:
        return datetime.datetime.fromisoformat(text) if "T" in text else datetime.date.fromisoformat(text)
    except ValueError:
        return None


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+([+-]\d{2}:\d{2}|Z)?)?$")
