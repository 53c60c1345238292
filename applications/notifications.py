"""What parents are told, and in which language (issue 3: notifications by SMS and e-mail).

Each notice is written in the applicant's own language, carries the
application number, and repeats that the service is free, so that a message
from a fraudster asking for money stands out. Positions come from the one
place that computes them, ``queues.selectors``.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.choices import NoticeChannel
from accounts.sms import send_sms
from core.dates import format_date, format_datetime, last_day
from directory.choices import KindergartenKind
from queues.selectors import positions_of_application

from . import age
from .models import Application, BenefitDocument


@dataclass(frozen=True)
class Notice:
    subject: str
    text: str


def deliver(application: Application, build) -> Notice:
    """Build the notice in the applicant's language and send it by SMS, and by e-mail when there is one."""
    return deliver_to(application.applicant, lambda: build(application))


def deliver_to(applicant, build) -> Notice:
    """``deliver`` for a notice about no one application (``build`` takes nothing)."""
    with translation.override(getattr(applicant, "language", "") or settings.LANGUAGE_CODE):
        notice = build()
    send_sms(phone=applicant.phone, text=notice.text)
    if applicant.email:
        send_mail(notice.subject, notice.text, settings.DEFAULT_FROM_EMAIL, [applicant.email])
    return notice


def deliver_as_chosen(application: Application, build) -> Notice:
    """``deliver`` for a notice the parent asked for: by the one channel they chose (``NoticeChannel``),
    by SMS when they chose e-mail but have no address any more."""
    applicant = application.applicant
    with translation.override(getattr(applicant, "language", "") or settings.LANGUAGE_CODE):
        notice = build(application)
    if applicant.move_notice_channel == NoticeChannel.EMAIL and applicant.email:
        send_mail(notice.subject, notice.text, settings.DEFAULT_FROM_EMAIL, [applicant.email])
    else:
        send_sms(phone=applicant.phone, text=notice.text)
    return notice


def position_moved(*, moves: list[dict], since):
    """The position moved in one or more queues since ``since`` by the parent's threshold (issue 12 item 4).

    ``moves``: ``{"kind", "before", "after"}`` per queue, as ``moves.notice_moves`` found them.
    """

    def build(application: Application) -> Notice:
        values = {"number": application.display_number, "date": format_date(timezone.localdate(since))}
        lead = _("Kezek: the position of application No. %(number)s in the queue has changed since %(date)s.")
        lines = []
        for move in moves:
            queue = KindergartenKind(move["kind"]).label
            values_of_move = {"queue": queue, "before": move["before"], "after": move["after"]}
            lines.append(_("%(queue)s queue: was %(before)s, now %(after)s.") % values_of_move)
        why = _("Why it moved is shown in the position history in your personal cabinet.")
        return Notice(
            subject=_("The position of application No. %(number)s has changed") % values,
            text=_joined(lead % values, *lines, why, _free_service()),
        )

    return build


def estimate_changed(*, changes: list[dict]):
    """The band of a wait estimate changed in one or more queues (issue 12 item 4).

    ``changes``: ``{"kind", "before", "after"}`` per queue, each band the first and
    last day of the middle half or None (``moves.band``), shown as months (07.2027),
    which read the same in every language.
    """

    def build(application: Application) -> Notice:
        values = {"number": application.display_number}
        lead = _(
            "Kezek: the estimate of when access to places may open for application No. %(number)s "
            "has changed."
        )
        lines = [_band_line(KindergartenKind(c["kind"]).label, c["before"], c["after"]) for c in changes]
        return Notice(
            subject=_("The wait estimate of application No. %(number)s has changed") % values,
            text=_joined(
                lead % values,
                *lines,
                _("It is a forecast from the queue's past year, not a promise."),
                _free_service(),
            ),
        )

    return build


def _band_line(queue: str, before: list[str] | None, after: list[str] | None) -> str:
    values = {"queue": queue, "span": _span(after), "was": _span(before)}
    if after is None:
        return _("%(queue)s queue: no range can be estimated now (the estimate was %(was)s).") % values
    if before is None:
        return _("%(queue)s queue: access is now likely to open in %(span)s.") % values
    return _("%(queue)s queue: access is now likely to open in %(span)s (the estimate was %(was)s).") % values


def _span(band: list[str] | None) -> str:
    """A band's months, 07.2027 or 07.2027–09.2027."""
    if band is None:
        return ""
    first, last = (datetime.date.fromisoformat(day) for day in band)
    months = dict.fromkeys(f"{day.month:02}.{day.year}" for day in (first, last))
    return "–".join(months)


def register_refused(child_name: str):
    """The person register did not confirm a child added while it was not answering (issue 18)."""

    def build() -> Notice:
        text = _joined(
            _(
                "Kezek: the person register does not name you as the parent or guardian of %(child)s, so "
                "the child is taken off your list and any application for the child is withdrawn. If you "
                "are the child's parent or guardian, apply on paper at the education department with the "
                "child's birth certificate and a document showing that you represent the child."
            )
            % {"child": child_name},
            _free_service(),
        )
        return Notice(
            subject=_("The person register did not confirm %(child)s") % {"child": child_name}, text=text
        )

    return build


def _positions_sentence(application: Application) -> str:
    positions = positions_of_application(application.pk)
    if not positions:
        return ""
    parts = [f"{p.entry.queue.get_kind_display()}: {p.standing.position}" for p in positions]
    return _("Position in the queue: %(positions)s.") % {"positions": "; ".join(parts)}


def _free_service() -> str:
    return _("The service is free; never pay anyone for a place.")


def application_registered(application: Application) -> Notice:
    submitted = format_datetime(application.submitted_at)
    text = " ".join(
        part
        for part in (
            _("Kezek: application No. %(number)s for %(child)s is registered, submitted %(submitted)s.")
            % {"number": application.display_number, "child": application.child.name, "submitted": submitted},
            _positions_sentence(application),
            _free_service(),
        )
        if part
    )
    return Notice(
        subject=_("Application No. %(number)s registered") % {"number": application.display_number}, text=text
    )


def benefit_decided(document: BenefitDocument):
    """A builder for the notice about one document's decision (confirmed or rejected)."""

    def build(application: Application) -> Notice:
        values = {"number": application.display_number, "benefit": document.get_category_display()}
        if document.verification == "confirmed":
            lead = (
                _("Kezek: your benefit “%(benefit)s” for application No. %(number)s is confirmed.") % values
            )
            subject = _("Benefit confirmed: application No. %(number)s") % values
        else:
            lead = _(
                "Kezek: your benefit document “%(benefit)s” for application No. %(number)s was not accepted: "
                "%(reason)s. You can attach a new document in your cabinet."
            ) % (values | {"reason": document.rejection_reason})
            subject = _("Benefit document not accepted: application No. %(number)s") % values
        text = " ".join(part for part in (lead, _positions_sentence(application), _free_service()) if part)
        return Notice(subject=subject, text=text)

    return build


# --- The placement engine (issue 4): builders take plain values, so applications imports nothing above it.


def _joined(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def access_opened(*, ends_at):
    """Access to a bulletin's places opened: the parent may get a referral before others until ``ends_at``."""

    def build(application: Application) -> Notice:
        values = {"number": application.display_number, "date": format_date(last_day(ends_at))}
        lead = (
            _(
                "Kezek: free places for application No. %(number)s are in a vacancy bulletin. Until the end "
                "of %(date)s you may get a referral before others in your personal cabinet. If no place "
                "suits you, do nothing: you keep your position."
            )
            % values
        )
        return Notice(
            subject=_("Free places for application No. %(number)s") % values,
            text=_joined(lead, _free_service()),
        )

    return build


def referral_issued(*, referral_number: str, kindergarten: str, valid_through, awaiting_confirmation: bool):
    """A referral was taken (or its out-of-turn benefit confirmed); ``valid_through`` is its last day."""

    def build(application: Application) -> Notice:
        values = {
            "number": application.display_number,
            "referral": referral_number,
            "kindergarten": kindergarten,
            "date": format_date(valid_through),
        }
        if awaiting_confirmation:
            lead = (
                _(
                    "Kezek: referral No. %(referral)s to %(kindergarten)s for application No. %(number)s "
                    "waits for the education department to confirm your out-of-turn benefit. Bring a fresh "
                    "employer certificate (issued within the last month) by %(date)s."
                )
                % values
            )
        else:
            lead = (
                _(
                    "Kezek: referral No. %(referral)s to %(kindergarten)s for application No. %(number)s is "
                    "issued and valid through %(date)s. Bring the documents to the kindergarten by then."
                )
                % values
            )
        return Notice(
            subject=_("Referral No. %(referral)s") % values,
            text=_joined(lead, _free_service()),
        )

    return build


def referral_cancelled(*, referral_number: str, reason: str):
    """A referral waiting for its out-of-turn benefit was cancelled; the child is back in the queue."""

    def build(application: Application) -> Notice:
        values = {"number": application.display_number, "referral": referral_number, "reason": reason}
        lead = (
            _(
                "Kezek: referral No. %(referral)s was cancelled: %(reason)s The out-of-turn benefit no "
                "longer counts. Application No. %(number)s is back in the queue with its original "
                "submission time."
            )
            % values
        )
        return Notice(
            subject=_("Referral No. %(referral)s cancelled") % values,
            text=_joined(lead, _positions_sentence(application), _free_service()),
        )

    return build


def referral_annulled(*, referral_number: str, stop_list_ends_at):
    """An unused referral was annulled; the application is on the stop-list until ``stop_list_ends_at``."""

    def build(application: Application) -> Notice:
        values = {
            "number": application.display_number,
            "referral": referral_number,
            "date": format_date(last_day(stop_list_ends_at)),
        }
        lead = (
            _(
                "Kezek: referral No. %(referral)s for application No. %(number)s was not used and is "
                "annulled. Through %(date)s the application keeps its position but is not offered places; "
                "after that it is offered places again."
            )
            % values
        )
        return Notice(
            subject=_("Referral No. %(referral)s annulled") % values,
            text=_joined(lead, _free_service()),
        )

    return build


def stop_list_lifted(application: Application) -> Notice:
    values = {"number": application.display_number}
    lead = (
        _(
            "Kezek: the stop-list period of application No. %(number)s is over. It is offered places again, "
            "with its original submission time."
        )
        % values
    )
    return Notice(
        subject=_("Application No. %(number)s is offered places again") % values,
        text=_joined(lead, _positions_sentence(application), _free_service()),
    )


def aged_out(application: Application) -> Notice:
    """The child no longer qualifies by age (RULES.md section 4).

    The reason is stated again in the parent's language from the birth date and
    the day the application left, rather than copied from the recorded reason,
    which is in whatever language the nightly job ran.
    """
    left_on = timezone.localdate(application.status_changed_at)
    reason = age.age_ineligibility_reason(
        application.child.birth_date, left_on, has_special_needs_conclusion=False
    ) or str(application.status_reason)
    values = {"number": application.display_number, "reason": reason}
    lead = _("Kezek: application No. %(number)s has left the queue: %(reason)s") % values
    return Notice(
        subject=_("Application No. %(number)s has left the queue") % values,
        text=_joined(lead, _free_service()),
    )
