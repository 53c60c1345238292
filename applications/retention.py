"""The retention rule: which personal data is deleted, and when (docs/security.md, "Retention").

An application that ended (enrolled, withdrawn, aged out, a duplicate) stays in
the register: it records decisions of a public service. What goes are the
files of its benefit documents, ``PERSONAL_DATA_RETENTION_YEARS`` after it
ended; the document's row stays and says when its file was deleted. One-time
code rows and django-axes' records of sign-in attempts go after a few days,
once no limit or lockout counts them any more; expired sessions (and the
list of a user's sessions pointing at them) go every night.

The nightly job works in batches, each its own short transaction, and may be
run again at any time: what is already gone is not looked at twice.
"""

import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Model, QuerySet

from accounts.models import OneTimeCode, UserSession
from audit.services import record
from audit.vocabulary import AuditAction
from core import clock
from core.dates import local_moment, shift_months

from .choices import ACTIVE_STATUSES
from .models import BenefitDocument


def purge_personal_data(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete what the retention rule no longer lets us keep; one audit event says how much."""
    now = now or clock.now()
    files_before = ended_before(now)
    counts = {
        "document_files": _purge_document_files(ended_before=files_before, now=now),
        "one_time_codes": _delete_in_batches(
            OneTimeCode.objects.filter(
                created_at__lt=now - datetime.timedelta(days=settings.ONE_TIME_CODE_RETENTION_DAYS)
            )
        ),
        "sign_in_attempts": sum(
            _delete_in_batches(
                model.objects.filter(
                    attempt_time__lt=now - datetime.timedelta(days=settings.SIGN_IN_ATTEMPT_RETENTION_DAYS)
                )
            )
            for model in (AccessAttempt, AccessFailureLog, AccessLog)
        ),
        "expired_sessions": _delete_in_batches(Session.objects.filter(expire_date__lt=now)),
        "stale_session_list_rows": _delete_in_batches(
            UserSession.objects.exclude(session_key__in=Session.objects.values("session_key"))
        ),
    }
    record(
        action=AuditAction.RETENTION_PURGED,
        target=None,
        at=now,
        details={**counts, "applications_ended_before": files_before.isoformat()},
    )
    return counts


def ended_before(now: datetime.datetime) -> datetime.datetime:
    """The moment ``PERSONAL_DATA_RETENTION_YEARS`` ago, counted in whole calendar years (Asia/Almaty)."""
    return shift_months(local_moment(now), -12 * settings.PERSONAL_DATA_RETENTION_YEARS)


def _purge_document_files(*, ended_before: datetime.datetime, now: datetime.datetime) -> int:
    """Delete the files of documents whose application ended before ``ended_before``, batch by batch.

    Batches walk the documents in id order from where the last one stopped, so
    the whole run reads the table once however many batches it takes.
    """
    due = (
        BenefitDocument.objects.filter(
            file_purged_at__isnull=True, application__status_changed_at__lt=ended_before
        )
        .exclude(application__status__in=ACTIVE_STATUSES)
        .order_by("pk")
    )
    purged, after = 0, 0
    while ids := list(due.filter(pk__gt=after).values_list("pk", flat=True)[: settings.RETENTION_BATCH_SIZE]):
        purged += _purge_files_of(ids, now=now)
        after = ids[-1]
    return purged


@transaction.atomic
def _purge_files_of(ids: list[int], *, now: datetime.datetime) -> int:
    """Delete the files and mark their rows in one transaction; a file already gone is no error.

    The files go before the commit: if the commit fails, the rows still name
    files that no longer exist, and the next run marks them (deleting a missing
    file does nothing), whereas a file outliving its row could never be found.
    """
    documents = list(
        BenefitDocument.objects.select_for_update(skip_locked=True)
        .filter(pk__in=ids, file_purged_at__isnull=True)
        .only("pk", "file")
    )
    for document in documents:
        document.file.storage.delete(document.file.name)
    return BenefitDocument.objects.filter(pk__in=[document.pk for document in documents]).update(
        file="", file_purged_at=now
    )


def _delete_in_batches(rows: QuerySet[Model]) -> int:
    """Delete ``rows`` a batch at a time, so no single statement holds many locks for long."""
    deleted = 0
    while ids := list(rows.values_list("pk", flat=True)[: settings.RETENTION_BATCH_SIZE]):
        deleted += rows.model.objects.filter(pk__in=ids).delete()[1].get(rows.model._meta.label, 0)
    return deleted
