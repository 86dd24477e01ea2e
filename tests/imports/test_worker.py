"""A real Celery worker on Redis runs a large import: the upload queues the preview, the worker
validates the stored file against the test database, reports progress through the Redis cache
and records the outcome; confirming queues the write.

Needs Redis (``IMPORT_TEST_REDIS_URL``, default db 3 on localhost); skipped without it. Run only
these with ``pytest -m worker``."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from bureau.celery import app
from enterprises.models import Enterprise
from imports.models import ImportJob
from tests.imports.conftest import code, xlsx_bytes

REDIS_URL = os.environ.get("IMPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
BASE_DIR = Path(settings.BASE_DIR)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")


def _reset_producer_pool() -> None:
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path, transactional_db, settings):
    _redis_or_skip()
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs a database another process can open")
    queue = f"import-test-{uuid.uuid4().hex[:8]}"
    media = tmp_path / "media"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        "DJANGO_MEDIA_ROOT": str(media),
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
    settings.MEDIA_ROOT = media
    # Read progress from the cache the worker writes to.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    settings.IMPORT_BACKGROUND_ROWS = 20
    try:
        yield {"log": tmp_path / "worker.log", "process": process}
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


def _wait_for(job: ImportJob, worker, timeout: float = 120) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if not job.is_running:
            return job
        if worker["process"].poll() is not None:
            break
        time.sleep(0.3)
    pytest.fail(f"job still {job.status}; worker log:\n{worker['log'].read_text()[-3000:]}")


def test_a_real_worker_previews_and_writes_a_large_import(worker, staff_client, township):
    rows = [["统一社会信用代码", "企业名称", "乡镇（街道）"]]
    rows += [[code(i), f"企业{i}", "城关街道"] for i in range(200)]
    staff_client.post(
        reverse("imports:upload", args=["enterprise"]),
        {"file": SimpleUploadedFile("大文件.xlsx", xlsx_bytes(rows))},
    )
    job = ImportJob.objects.get()
    assert job.background and job.is_running and job.task_id
    page = staff_client.get(job.get_absolute_url()).content.decode()
    assert "progress-bar" in page  # a reload while it runs shows the bar again

    job = _wait_for(job, worker)
    assert job.status == ImportJob.Status.PREVIEWED and job.new_count == 200, job.message
    assert not Enterprise.objects.exists()
    progress = staff_client.get(reverse("imports:job-progress", args=[job.pk]))
    assert progress.headers["HX-Refresh"] == "true"

    staff_client.post(reverse("imports:job-confirm", args=[job.pk]))
    job = _wait_for(job, worker)
    assert job.status == ImportJob.Status.DONE and Enterprise.objects.count() == 200
    assert "imports.run_import_job" in worker["log"].read_text()
