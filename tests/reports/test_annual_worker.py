"""A real Celery worker on Redis renders an export: the task travels through the broker, the
worker reads the committed rows from the test database and stores the file.

Needs Redis (``REPORT_TEST_REDIS_URL``, default db 5 on localhost); skipped without it. Run only
these with ``pytest -m worker``, or leave them out with ``-m "not worker"``."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from bureau.celery import app
from reports.annual import services
from reports.models import ExportJob
from reports.tasks import export_report
from tests.reports.annual_data import YEAR, build_year

REDIS_URL = os.environ.get("REPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
BASE_DIR = Path(settings.BASE_DIR)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")


def _reset_producer_pool() -> None:
    # Celery keeps its producer pool for the app's lifetime; drop it (as it does after a fork)
    # so the next send connects to the broker configured now.
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path, transactional_db):
    """A worker process on its own queue, pointed at the test database and a fresh media
    folder; this process sends to that queue through Redis."""
    _redis_or_skip()
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs a database another process can open")
    queue = f"report-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        "DJANGO_MEDIA_ROOT": str(tmp_path),
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed in the finaliser
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bureau",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    saved = {
        key: app.conf[key]
        for key in ("broker_url", "task_always_eager", "task_default_queue", "result_backend")
    }
    app.conf.update(
        broker_url=REDIS_URL, task_always_eager=False, task_default_queue=queue, result_backend=None
    )
    _reset_producer_pool()
    settings.MEDIA_ROOT = tmp_path
    try:
        yield {"media": tmp_path, "log": tmp_path / "worker.log", "process": process}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        app.conf.update(saved)
        _reset_producer_pool()


def _wait_for(job: ExportJob, worker, timeout: float = 120) -> ExportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if not job.is_active:
            return job
        if worker["process"].poll() is not None:
            break
        time.sleep(0.5)
    pytest.fail(f"job still {job.status}; worker log:\n{worker['log'].read_text()[-3000:]}")


def test_a_real_worker_on_redis_renders_the_files(worker, staff_user):
    build_year()
    version = services.report_create(year=YEAR, user=staff_user).versions.get()
    # A job the stale check already failed, whose message is still in the queue: the worker
    # (one at a time, in order) must leave it alone before it renders the next.
    given_up = ExportJob.objects.create(
        report=version.report, version=version, format="docx", status="failed", error="已终止"
    )
    export_report.delay(given_up.pk)
    job = services.export_job_create(version=version, fmt="pdf", user=staff_user)

    job = _wait_for(job, worker)
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.task_id  # it went through the broker
    stored = worker["media"] / job.file.name
    assert stored.read_bytes()[:5] == b"%PDF-" and stored.stat().st_size == job.size
    log = worker["log"].read_text()
    assert "reports.export_report" in log and "succeeded" in log
    given_up.refresh_from_db()
    assert given_up.status == ExportJob.Status.FAILED and not given_up.file
