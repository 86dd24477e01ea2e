"""Fault fixtures: Redis (broker and cache) pointed at a closed port. The real Redis server is
shared and is never stopped; only this process's settings and Celery app look elsewhere."""

import socket

import pytest

from config.celery import app

CLOSED_PORT = 6399
DOWN_URL = f"redis://127.0.0.1:{CLOSED_PORT}/0"


def _reset_producer_pool() -> None:
    # The app caches its connection pool; drop it so the next send connects to the broker
    # configured now.
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def redis_down(settings):
    """Broker and cache on a port nothing listens on, tasks sent for real (not inline)."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        if probe.connect_ex(("127.0.0.1", CLOSED_PORT)) == 0:
            pytest.skip(f"port {CLOSED_PORT} is open; the fault needs a closed one")
    settings.CACHES = {
        "default": {"BACKEND": "portal.cache.FailSoftRedisCache", "LOCATION": DOWN_URL}
    }
    settings.CELERY_BROKER_URL = DOWN_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    keys = ("broker_url", "task_always_eager", "result_backend")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=DOWN_URL, task_always_eager=False, result_backend=None)
    _reset_producer_pool()
    try:
        yield DOWN_URL
    finally:
        app.conf.update(saved)
        _reset_producer_pool()
