"""Background jobs of applications: thin wrappers over services and notices (DESIGN.md, "Celery tasks").

Notices are enqueued through the outbox (``dispatch``) when the change commits,
so none is lost while Redis is down, and run once per outbox row however often
delivered; a gateway that refuses or is unreachable is retried with back-off, a
bounded number of times.
"""

from celery import shared_task

from accounts.sms import SmsDeliveryError
from core import clock
from dispatch.tasks import OutboxTask

from . import moves, notifications, register_checks, retention, services
from .models import Application, BenefitDocument, EstimateNotice, Guardianship, MoveNotice

NOTICE_RETRY = {"autoretry_for": (SmsDeliveryError,), "retry_backoff": 30, "max_retries": 6}


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60)
def expire_benefits() -> int:
    """Lower the class of applications whose benefit expired yesterday (idempotent; safe to rerun)."""
    return services.expire_benefits()


@shared_task(base=OutboxTask, acks_late=True, **NOTICE_RETRY)
def notify_application_registered(application_id: int) -> None:
    application = Application.objects.select_related("applicant", "child").get(pk=application_id)
    notifications.deliver(application, notifications.application_registered)


@shared_task(base=OutboxTask, acks_late=True, **NOTICE_RETRY)
def notify_benefit_decided(document_id: int) -> None:
    document = BenefitDocument.objects.select_related("application__applicant").get(pk=document_id)
    notifications.deliver(document.application, notifications.benefit_decided(document))


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60)
def age_out_children() -> int:
    """Take out of the queues the children who no longer qualify by age (idempotent; safe to rerun)."""
    return services.age_out_children()


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60)
def purge_personal_data() -> dict[str, int]:
    """Delete the files, codes and sign-in records the retention rule no longer keeps (idempotent)."""
    return retention.purge_personal_data()


@shared_task(base=OutboxTask, acks_late=True, **NOTICE_RETRY)
def notify_aged_out(application_id: int) -> None:
    application = Application.objects.select_related("applicant", "child").get(pk=application_id)
    notifications.deliver(application, notifications.aged_out)


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60)
def recheck_register() -> dict[str, int]:
    """Ask the person register again about children added while it did not answer (each at its due time)."""
    return register_checks.recheck_due()


@shared_task(base=OutboxTask, acks_late=True, **NOTICE_RETRY)
def notify_register_refused(guardianship_id: int) -> None:
    guardianship = Guardianship.objects.select_related("applicant", "child").get(pk=guardianship_id)
    notifications.deliver_to(
        guardianship.applicant, notifications.register_refused(guardianship.child.full_name)
    )


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60)
def notice_position_moves() -> int:
    """Enqueue the notices of moves due (``moves``): at most one a week per application, so safe to rerun."""
    return moves.notice_moves(now=clock.now())


@shared_task(base=OutboxTask, acks_late=True, **NOTICE_RETRY)
def notify_position_moved(notice_id: int) -> None:
    notice = MoveNotice.objects.select_related("application__applicant").get(pk=notice_id)
    notifications.deliver_as_chosen(
        notice.application, notifications.position_moved(moves=notice.moves, since=notice.since)
    )


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60)
def notice_estimate_bands() -> int:
    """Enqueue the notices of changed estimates due (``moves``): at most one a week per application."""
    return moves.notice_estimate_bands(now=clock.now())


@shared_task(base=OutboxTask, acks_late=True, **NOTICE_RETRY)
def notify_estimate_changed(notice_id: int) -> None:
    notice = EstimateNotice.objects.select_related("application__applicant").get(pk=notice_id)
    notifications.deliver_as_chosen(
        notice.application, notifications.estimate_changed(changes=notice.changes)
    )
