"""The Redis cache clears its own keys only: the broker's queues and other caches in the same
Redis database (other tests, another portal) stay. Skipped without Redis."""

import os
import uuid

import pytest
from django.core.cache import cache

from portal.cache import CLEAR_BATCH, FailSoftRedisCache

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/10"


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    return client


def _cache(prefix: str) -> FailSoftRedisCache:
    return FailSoftRedisCache(REDIS_URL, {"KEY_PREFIX": prefix})


def test_clear_deletes_its_own_keys_and_leaves_the_broker_and_other_prefixes(redis_client):
    tag = uuid.uuid4().hex[:8]
    mine, theirs = _cache(f"mine-{tag}"), _cache(f"theirs-{tag}")
    # More keys than one batch, so that the batching is exercised too.
    mine.set_many({f"k{i}": i for i in range(CLEAR_BATCH + 5)})
    theirs.set("k1", "kept")
    queue = f"celery-queue-{tag}"  # what a broker's queue looks like: a list, no prefix
    redis_client.rpush(queue, "a queued task")
    try:
        assert mine.get("k1") == 1
        mine.clear()
        assert mine.get("k1") is None and mine.get(f"k{CLEAR_BATCH + 4}") is None
        assert theirs.get("k1") == "kept"
        assert redis_client.lrange(queue, 0, -1) == [b"a queued task"]
    finally:
        theirs.clear()
        redis_client.delete(queue)


def test_without_a_prefix_clear_still_spares_the_broker(redis_client):
    tag = uuid.uuid4().hex[:8]
    unprefixed, prefixed = _cache(""), _cache(f"p{tag}")
    unprefixed.set(f"k{tag}", 1)
    prefixed.set("k", 2)
    broker_keys = [f"_kombu.binding.{tag}", f"unacked-{tag}", f"celery-task-meta-{tag}"]
    for key in broker_keys:
        redis_client.set(key, "broker")
    try:
        unprefixed.clear()
        assert unprefixed.get(f"k{tag}") is None
        assert prefixed.get("k") == 2
        assert [redis_client.get(key) for key in broker_keys] == [b"broker"] * 3
    finally:
        prefixed.clear()
        redis_client.delete(*broker_keys)


def test_glob_characters_in_a_prefix_match_only_themselves(redis_client):
    tag = uuid.uuid4().hex[:8]
    starred, plain = _cache(f"a*{tag}"), _cache(f"abc{tag}")
    starred.set("k", 1)
    plain.set("k", 2)
    try:
        starred.clear()
        assert starred.get("k") is None and plain.get("k") == 2
    finally:
        plain.clear()


def test_each_test_has_a_cache_prefix_of_its_own(fresh_cache):
    assert fresh_cache.startswith("test-")
    assert cache.key_prefix == fresh_cache
    cache.set("seen", 1)
    assert cache.get("seen") == 1
