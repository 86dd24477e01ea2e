"""``/healthz``: 200 when the database, migrations, Redis and a worker answer; 503 naming the
failing part otherwise; open without login.

Redis tests use db 6 (``HEALTH_TEST_REDIS_URL``) and are skipped when Redis is not there."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from ops import health

# the broker the portal itself was started with, so the worker and /healthz meet on it
REDIS_URL = (
    os.environ.get("HEALTH_TEST_REDIS_URL")
    or os.environ.get("REDIS_URL")
    or "redis://127.0.0.1:6379/6"
)
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"

pytestmark = pytest.mark.django_db


def _redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")


def _get():
    response = Client().get("/healthz")
    return response.status_code, response.json()


@pytest.fixture(autouse=True)
def forget_migration_state():
    health._migrations_applied = False
    yield
    health._migrations_applied = False


def test_healthy_without_login_and_without_redis(settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "memory://"
    status, body = _get()
    assert status == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations"}
    assert all(check["ok"] for check in body["checks"].values())


def test_unapplied_migration_makes_it_503(settings):
    settings.REDIS_URL = ""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations)"
        )
    status, body = _get()
    assert status == 503
    assert body["status"] == "error"
    assert body["checks"]["migrations"]["ok"] is False
    assert body["checks"]["migrations"]["pending"] == 1


def test_redis_and_broker_down_make_it_503_within_the_probe_timeout(settings):
    settings.REDIS_URL = CLOSED_PORT_URL
    settings.CELERY_BROKER_URL = CLOSED_PORT_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    started = time.monotonic()
    status, body = _get()
    assert time.monotonic() - started < 5  # compose's probe gives up after 5 s
    assert status == 503
    assert body["checks"]["redis"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": body["checks"]["redis"]["ms"],
    }
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_broker_without_any_worker_makes_it_503(settings):
    _redis_or_skip()
    settings.REDIS_URL = REDIS_URL
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    status, body = _get()
    assert status == 503
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"].get("workers", 0) == 0


@pytest.mark.worker
def test_running_worker_answers_the_ping(settings, tmp_path):
    _redis_or_skip()
    name = f"health-{uuid.uuid4().hex[:8]}"
    env = os.environ | {"REDIS_URL": REDIS_URL, "CELERY_TASK_ALWAYS_EAGER": "false"}
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            name,
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    settings.REDIS_URL = REDIS_URL
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        deadline = time.monotonic() + 60
        status, body = _get()
        while status != 200 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.5)
            status, body = _get()
        assert status == 200, (tmp_path / "worker.log").read_text()
        assert body["checks"]["worker"]["workers"] >= 1
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()


def test_only_runs_the_named_checks(settings):
    _redis_or_skip()
    settings.REDIS_URL = REDIS_URL
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = Client().get("/healthz", {"only": "database,redis"})
    assert response.status_code == 200  # no worker running, but it was not asked about
    assert set(response.json()["checks"]) == {"database", "redis"}


@pytest.mark.parametrize("only", ["typo", "database,typo", ",", ""])
def test_an_unknown_check_name_is_a_400_listing_the_valid_ones(only):
    """A probe with a typo must not pass having checked nothing."""
    response = Client().get("/healthz", {"only": only})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error"
    assert body["valid"] == ["database", "migrations", "redis", "worker"]
    assert "未知的检查项" in body["error"]
