"""A real Celery worker on Redis runs a large import: the upload queues the preview, the worker
validates the stored file against the test database, reports progress through the Redis cache
and records the outcome; confirming queues the write.

Needs Redis (``IMPORT_TEST_REDIS_URL``, default db 3 on localhost); skipped without it. Run only
these with ``pytest -m worker``."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enterprises.models import Enterprise
from imports.models import ImportJob
from tests.celery_worker import running_worker, wait_until_finished
from tests.imports.conftest import code, xlsx_bytes

REDIS_URL = os.environ.get("IMPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
BASE_DIR = Path(settings.BASE_DIR)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path, transactional_db, settings):
    """A worker on its own queue; progress is read from the Redis cache the worker writes."""
    media = tmp_path / "media"
    with running_worker(
        redis_url=REDIS_URL,
        queue_prefix="import-test",
        media=media,
        log_path=tmp_path / "worker.log",
    ) as process:
        settings.MEDIA_ROOT = media
        settings.CACHES = {
            "default": {
                "BACKEND": "portal.cache.FailSoftRedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": process["queue"],  # the worker's own (tests/celery_worker.py)
            }
        }
        settings.IMPORT_BACKGROUND_ROWS = 20
        yield process


def _wait_for(job: ImportJob, worker) -> ImportJob:
    return wait_until_finished(job, worker, active="is_running")


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
