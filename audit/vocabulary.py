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

from django.apps import apps
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


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
