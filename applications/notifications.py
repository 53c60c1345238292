"""What parents are told, and in which language (issue 3: notifications by SMS and e-mail).

Each notice is written in the applicant's own language, carries the
application number, and repeats that the service is free, so that a message
from a fraudster asking for money stands out. Positions come from the one
place that computes them, ``queues.selectors``.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.sms import send_sms
from queues.selectors import positions_of_application

from .models import Application, BenefitDocument


@dataclass(frozen=True)
class Notice:
    subject: str
    text: str


def deliver(application: Application, build) -> Notice:
    """Build the notice in the applicant's language and send it by SMS, and by e-mail when there is one."""
    applicant = application.applicant
    with translation.override(getattr(applicant, "language", "") or settings.LANGUAGE_CODE):
        notice = build(application)
    send_sms(phone=applicant.phone, text=notice.text)
    if applicant.email:
        send_mail(notice.subject, notice.text, settings.DEFAULT_FROM_EMAIL, [applicant.email])
    return notice


def _positions_sentence(application: Application) -> str:
    positions = positions_of_application(application.pk)
    if not positions:
        return ""
    parts = [f"{p.entry.queue.get_kind_display()}: {p.standing.position}" for p in positions]
    return _("Position in the queue: %(positions)s.") % {"positions": "; ".join(parts)}


def _free_service() -> str:
    return _("The service is free; never pay anyone for a place.")


def application_registered(application: Application) -> Notice:
    submitted = timezone.localtime(application.submitted_at).strftime("%d.%m.%Y %H:%M")
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
