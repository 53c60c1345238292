"""Scheduled jobs of applications: thin wrappers over services (DESIGN.md, "Celery tasks")."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60)
def expire_benefits() -> int:
    """Lower the class of applications whose benefit expired yesterday (idempotent; safe to rerun)."""
    return services.expire_benefits()
