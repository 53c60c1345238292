"""Background jobs of bulletins: thin wrappers over services and notices (DESIGN.md, "Celery tasks").

``open_access`` is enqueued on the commit of a publication, and opens with its
bulletin every other one published by then (``services.open_access_due``); it is
idempotent (it counts what each bulletin already opened), so a redelivery
after a worker died (``acks_late``) or a retry after a deadlock or a lost
connection opens nothing twice.
"""

from celery import shared_task
from django.db import OperationalError

from accounts.sms import SmsDeliveryError
from applications import notifications
from applications.tasks import NOTICE_RETRY
from dispatch.tasks import OutboxTask

from . import opendata, services
from .models import Access

JOB_RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": 10, "max_retries": 5}


@shared_task(acks_late=True, **JOB_RETRY)
def open_access(bulletin_id: int) -> int:
    return services.open_access_due(bulletin_id=bulletin_id)


@shared_task(acks_late=True, **JOB_RETRY)
def end_priority_windows() -> int:
    return services.end_priority_windows()


@shared_task(base=OutboxTask, bind=True, acks_late=True, **NOTICE_RETRY)
def notify_access_opened(self, *access_ids: int) -> None:
    """Tell each parent of ``access_ids`` that access opened (``services.NOTICES_PER_MESSAGE`` a message).

    When the gateway fails, the retry (``NOTICE_RETRY``) carries only the
    notices not sent yet: the parents told already are not told twice.
    """
    accesses = list(
        Access.objects.filter(pk__in=access_ids).select_related("application__applicant").order_by("pk")
    )
    for sent, access in enumerate(accesses):
        try:
            notifications.deliver(access.application, notifications.access_opened(ends_at=access.ends_at))
        except SmsDeliveryError:
            self.request.args = [unsent.pk for unsent in accesses[sent:]]  # what Celery's retry sends again
            raise


@shared_task(acks_late=True, **JOB_RETRY)
def export_open_data() -> int:
    """The day's open data of every settlement (docs/open-data.md); rewriting it again harms nothing."""
    return opendata.export_all()
