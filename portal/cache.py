"""A Redis cache that degrades to "always a miss" while Redis is unreachable.

The cache only saves work (dashboards, import progress), so Redis going down must not turn every
page that touches it into an error 500: reads miss, writes are dropped, and a warning is logged
at most once a minute per process so the logs show the outage without flooding.
"""

import functools
import logging
import re
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
WARN_EVERY = 60.0
CLEAR_BATCH = 1000  # keys deleted per UNLINK by clear()
_last_warning = 0.0


def _warn(error: Exception) -> None:
    global _last_warning  # noqa: PLW0603 - one throttle per process is all that is needed
    now = time.monotonic()
    if now - _last_warning >= WARN_EVERY:
        _last_warning = now
        logger.warning("cache unavailable, serving without it: %s", error)


def _fail_soft(default):
    """Run the cache call; when Redis is unreachable return ``default(args, kwargs)``."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as error:
                _warn(error)
                return default(args, kwargs)

        return wrapper

    return decorate


def _missing_key(args, kwargs):
    # As if the key were absent, which callers of incr/decr already handle.
    raise ValueError("cache unavailable")


class FailSoftRedisCache(RedisCache):
    """``RedisCache`` whose reads miss and whose writes are dropped while Redis is down. Connect
    and socket timeouts default to one second so an unreachable host cannot hold a page."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**params.get("OPTIONS", {})}}
        params["OPTIONS"].setdefault("socket_connect_timeout", 1)
        params["OPTIONS"].setdefault("socket_timeout", 1)
        super().__init__(server, params)

    get = _fail_soft(
        lambda args, kwargs: kwargs.get("default", args[1] if len(args) > 1 else None)
    )(RedisCache.get)
    get_many = _fail_soft(lambda args, kwargs: {})(RedisCache.get_many)
    has_key = _fail_soft(lambda args, kwargs: False)(RedisCache.has_key)
    add = _fail_soft(lambda args, kwargs: False)(RedisCache.add)
    set = _fail_soft(lambda args, kwargs: None)(RedisCache.set)
    set_many = _fail_soft(lambda args, kwargs: [])(RedisCache.set_many)
    touch = _fail_soft(lambda args, kwargs: False)(RedisCache.touch)
    delete = _fail_soft(lambda args, kwargs: False)(RedisCache.delete)
    delete_many = _fail_soft(lambda args, kwargs: None)(RedisCache.delete_many)
    incr = _fail_soft(_missing_key)(RedisCache.incr)

    @_fail_soft(lambda args, kwargs: False)
    def clear(self):
        """Delete this cache's keys (those under its ``KEY_PREFIX``), not the whole database as
        ``RedisCache.clear`` does (FLUSHDB): the Celery broker's queues live in the same Redis
        database by default (``CELERY_BROKER_URL`` defaults to ``REDIS_URL``), and so do other
        caches with prefixes of their own (each test has one). Keys are ``prefix:version:key``
        (Django's default ``KEY_FUNCTION``), so an empty prefix matches ``:*``, which no broker
        key starts with."""
        client = self._cache.get_client(write=True)
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"
        batch = []
        for key in client.scan_iter(match=pattern, count=CLEAR_BATCH):
            batch.append(key)
            if len(batch) == CLEAR_BATCH:
                client.unlink(*batch)
                batch.clear()
        if batch:
            client.unlink(*batch)
        return True
