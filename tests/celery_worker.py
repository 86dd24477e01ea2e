"""A real Celery worker process for the tests marked ``worker``: on its own queue of a Redis
broker, pointed at the test database, with this process sending to that queue."""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from portal.cache import FailSoftRedisCache
from tests.portal_process import database_url


def redis_or_skip(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {url}: {error}")


def _reset_producer_pool() -> None:
    # Celery keeps its producer pool for the app's lifetime; drop it (as it does after a fork)
    # so the next send connects to the broker configured now.
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


def _database_url() -> str:
    return database_url(connection.settings_dict)


@contextlib.contextmanager
def running_worker(
    *,
    redis_url: str,
    queue_prefix: str,
    media: Path,
    log_path: Path,
    queue: str | None = None,
    env: dict | None = None,
):
    """Yield ``{"process", "log", "media", "queue"}`` while a solo worker consumes a fresh queue
    (or ``queue``, to start a second worker where a first one died); ``env`` adds settings.

    The worker's cache keys (import progress) are prefixed with the queue's name, so tests on a
    shared Redis database never meet another's keys; they are deleted when the worker stops."""
    redis_or_skip(redis_url)
    queue = queue or f"{queue_prefix}-{uuid.uuid4().hex[:8]}"
    extra = env or {}
    env = {
        **os.environ,
        **extra,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "DJANGO_MEDIA_ROOT": str(media),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CACHE_KEY_PREFIX": queue,
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
        "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO",
    ]  # fmt: skip
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        keys = ("broker_url", "task_always_eager", "task_default_queue", "result_backend")
        saved = {key: app.conf[key] for key in keys}
        app.conf.update(
            broker_url=redis_url,
            task_always_eager=False,
            task_default_queue=queue,
            result_backend=None,
        )
        _reset_producer_pool()
        try:
            yield {"process": process, "log": log_path, "media": media, "queue": queue}
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            app.conf.update(saved)
            _reset_producer_pool()
            worker_cache(redis_url, queue).clear()


def worker_cache(redis_url: str, queue: str) -> FailSoftRedisCache:
    """The cache a worker started by ``running_worker`` on ``queue`` writes to."""
    return FailSoftRedisCache(redis_url, {"KEY_PREFIX": queue})


def wait_until_finished(job, worker, *, active: str, timeout: float = 120):
    """Poll ``job`` until its ``active`` property turns false, or fail with the worker's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if not getattr(job, active):
            return job
        if worker["process"].poll() is not None:
            break
        time.sleep(0.3)
    pytest.fail(f"job still {job.status}; worker log:\n{worker['log'].read_text()[-3000:]}")
