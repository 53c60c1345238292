"""The Redis cache keeps answering, from this process's memory, while Redis is unreachable (core/cache.py)."""

import logging
import socket
import time
import uuid

import pytest
from django.core.cache import caches
from prometheus_client import REGISTRY

from conftest import IN_CI
from core.cache import REDIS_SOCKET_TIMEOUT


@pytest.fixture
def unreachable(settings, request):
    """A cache at a closed port, one per test: each starts with a closed breaker and an empty memory."""
    location = f"redis://127.0.0.1:1/{request.node.name}"
    settings.CACHES = {"default": {"BACKEND": "core.cache.FallbackRedisCache", "LOCATION": location}}
    return caches["default"]


@pytest.fixture
def silent_redis(settings, request):
    """A port that accepts connections and never answers, like a Redis that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    location = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    settings.CACHES = {"default": {"BACKEND": "core.cache.FallbackRedisCache", "LOCATION": location}}
    yield caches["default"]
    listener.close()


def test_values_and_counters_live_in_memory_while_redis_is_down(unreachable):
    unreachable.set("greeting", "сәлем", timeout=60)
    assert unreachable.add("count", 0, timeout=60)
    unreachable.incr("count")

    assert unreachable.get("greeting") == "сәлем"
    assert unreachable.get_many(["greeting", "count"]) == {"greeting": "сәлем", "count": 1}
    with pytest.raises(ValueError, match="not found"):
        unreachable.incr("never-set")


def test_an_outage_is_logged_once_not_on_every_call(unreachable, caplog):
    with caplog.at_level(logging.WARNING, logger="kezek.cache"):
        for _ in range(5):
            unreachable.get("anything")

    assert [record.getMessage().split(" (")[0] for record in caplog.records] == ["Redis cache unreachable"]


def test_a_hanging_redis_costs_one_timeout_then_nothing_for_a_while(silent_redis):
    started = time.monotonic()
    silent_redis.set("key", "value")
    first = time.monotonic() - started

    started = time.monotonic()
    for _ in range(20):
        assert silent_redis.get("key") == "value"
    following = time.monotonic() - started

    assert REDIS_SOCKET_TIMEOUT <= first < 1
    assert following < REDIS_SOCKET_TIMEOUT


@pytest.fixture
def redis_cache(settings, request):
    """The real Redis of the suite, under a key prefix of this test alone."""
    if not settings.CACHES["default"]["BACKEND"].endswith("FallbackRedisCache"):
        if IN_CI:
            pytest.fail("CI=true and REDIS_URL is not set: the counter must be tested against Redis")
        pytest.skip("REDIS_URL is not set")
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}
    return caches["default"]


def test_a_window_counter_counts_in_redis_and_its_first_call_alone_sets_the_expiry(redis_cache):
    counts = [redis_cache.count_in_window("calls", 600) for _ in range(3)]
    client = redis_cache._cache.get_client()
    key = redis_cache.make_and_validate_key("calls")
    client.expire(key, 5)  # as if the window were nearly over: later calls must not prolong it

    assert counts == [1, 2, 3]
    assert redis_cache.count_in_window("calls", 600) == 4
    assert 0 < client.ttl(key) <= 5
    assert redis_cache.get("calls") == 4


def test_a_window_counter_counts_in_memory_while_redis_is_down(unreachable):
    assert [unreachable.count_in_window("calls", 600) for _ in range(3)] == [1, 2, 3]


def test_each_redis_call_is_timed_for_the_operators(redis_cache, settings, request):
    def timed(outcome):
        labels = {"operation": "get", "outcome": outcome}
        return REGISTRY.get_sample_value("kezek_redis_command_duration_seconds_count", labels) or 0

    ok, errors = timed("ok"), timed("error")
    redis_cache.get("anything")
    assert timed("ok") == ok + 1

    location = f"redis://127.0.0.1:1/{request.node.name}"
    settings.CACHES = {"default": {"BACKEND": "core.cache.FallbackRedisCache", "LOCATION": location}}
    caches["default"].get("anything")
    assert timed("error") == errors + 1
