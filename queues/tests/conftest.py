"""Redis for the tests of the read path: real, reachable, and with keys of this test only.

Under ``CI=true`` a missing Redis fails these tests instead of skipping them.
"""

import uuid

import pytest
import redis

from conftest import IN_CI
from queues import ranks


def _unreachable(reason: str):
    if IN_CI:
        pytest.fail(f"CI=true and {reason}: the read path must be tested against a real Redis")
    pytest.skip(reason)


@pytest.fixture
def ranks_redis(settings):
    """The Redis of the ranks, under a key prefix of this test alone, removed afterwards."""
    if not settings.QUEUE_RANKS_REDIS_URL:
        _unreachable("REDIS_URL is not set")
    settings.QUEUE_RANKS_KEY_PREFIX = f"test:{uuid.uuid4().hex}:"
    # A busy test machine can stall Redis past the production timeout; that fallback has its own test.
    settings.QUEUE_RANKS_TIMEOUT = 5.0
    ranks._paused_until.clear()
    r = ranks.client()
    try:
        r.ping()
    except redis.RedisError as error:
        _unreachable(f"Redis is unreachable ({error})")
    yield r
    for key in r.scan_iter(match=f"{settings.QUEUE_RANKS_KEY_PREFIX}*", count=1000):
        r.delete(key)
    ranks._paused_until.clear()
