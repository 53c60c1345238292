"""The real services the suite runs against. Under CI=true an unreachable one fails, never skips."""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, what: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {what} is not configured: the suite must run against it")
    pytest.skip(f"{what} is not configured for this run")


@pytest.mark.django_db
def test_the_database_is_postgresql_and_answers():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int")
        assert cursor.fetchone()[0] >= 130000


def test_the_cache_is_redis_and_answers():
    require(bool(settings.REDIS_URL), "Redis (REDIS_URL)")
    cache.set("kezek-health", "ok", timeout=10)
    assert cache.get("kezek-health") == "ok"
