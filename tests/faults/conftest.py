"""Fault fixtures: Redis (broker and cache) pointed at a closed port, for a Redis that is down
from the start; and a private ``redis-server`` a test starts and kills for real, for a Redis
that dies in the middle of a job. The shared Redis server is never stopped."""

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


class PrivateRedis:
    """A ``redis-server`` of the test's own on a free loopback port, writing every command to
    its append-only file as it goes (``appendfsync always``), so that killed with SIGKILL and
    started again it comes back with its queues as they were, unacknowledged tasks included:
    what a production Redis with persistence does after a crash."""

    def __init__(self, folder):
        import shutil

        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("needs redis-server (Debian's redis-server package)")
        self.binary, self.folder = binary, folder
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        import subprocess
        import time

        import redis

        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        pytest.fail("the private redis-server did not answer within 20 s")

    def kill(self) -> None:
        """SIGKILL: no goodbye to its clients, nothing flushed beyond what is on disk."""
        import signal

        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    """A running ``PrivateRedis``, stopped after the test whatever state it was left in."""
    folder = tmp_path / "redis"
    folder.mkdir()
    server = PrivateRedis(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
