"""Background jobs of referrals: thin wrappers over services and notices (DESIGN.md, "Celery tasks").

The scheduled jobs are idempotent (each referral or stop-list entry is
re-checked under a lock), so a retry or a second beat never acts twice; a lost
database connection or a deadlock is retried a bounded number of times.
"""

from celery import shared_task
from django.db import OperationalError

from applications import notifications
from applications.tasks import NOTICE_RETRY
from dispatch.tasks import OutboxTask

from . import services
from .choices import ReferralStatus
from .models import Referral, StopListEntry

JOB_RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": 10, "max_retries": 5}


@shared_task(acks_late=True, **JOB_RETRY)
def annul_expired_referrals() -> int:
    return services.annul_expired_referrals()


@shared_task(acks_late=True, **JOB_RETRY)
def lift_stop_list() -> int:
    return services.lift_stop_list()


def _referral(referral_id: int) -> Referral:
    return Referral.objects.select_related(
        "application__applicant", "application__child", "kindergarten"
    ).get(pk=referral_id)


@shared_task(base=OutboxTask, acks_late=True, **NOTICE_RETRY)
def notify_referral_issued(referral_id: int) -> None:
    referral = _referral(referral_id)
    build = notifications.referral_issued(
        referral_number=referral.display_number,
        kindergarten=str(referral.kindergarten),
        valid_through=referral.valid_through,
        awaiting_confirmation=referral.status == ReferralStatus.AWAITING_CONFIRMATION,
    )
    notifications.deliver(referral.application, build)


@shared_task(base=OutboxTask, acks_late=True, **NOTICE_RETRY)
def notify_referral_cancelled(referral_id: int) -> None:
    referral = _referral(referral_id)
    build = notifications.referral_cancelled(referral_number=referral.display_number, reason=referral.reason)
    notifications.deliver(referral.application, build)


@shared_task(base=OutboxTask, acks_late=True, **NOTICE_RETRY)
def notify_referral_annulled(referral_id: int) -> None:
    referral = _referral(referral_id)
    build = notifications.referral_annulled(
        referral_number=referral.display_number, stop_list_ends_at=referral.stop_list_entry.ends_at
    )
    notifications.deliver(referral.application, build)


@shared_task(base=OutboxTask, acks_late=True, **NOTICE_RETRY)
def notify_stop_list_lifted(application_id: int) -> None:
    entry = (
        StopListEntry.objects.select_related("application__applicant")
        .filter(application_id=application_id)
        .latest("lifted_at")
    )
    notifications.deliver(entry.application, notifications.stop_list_lifted)
