"""A real Celery worker on Redis renders an export: the task travels through the broker, the
worker reads the committed rows from the test database and stores the file.

Needs Redis (``REPORT_TEST_REDIS_URL``, default db 5 on localhost); skipped without it. Run only
these with ``pytest -m worker``, or leave them out with ``-m "not worker"``."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from reports.annual import services
from reports.models import ExportJob
from reports.tasks import export_report
from tests.celery_worker import running_worker, wait_until_finished
from tests.reports.annual_data import YEAR, build_year

REDIS_URL = os.environ.get("REPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
BASE_DIR = Path(settings.BASE_DIR)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path, transactional_db):
    """A worker on its own queue, pointed at the test database and a fresh media folder."""
    with running_worker(
        redis_url=REDIS_URL,
        queue_prefix="report-test",
        media=tmp_path,
        log_path=tmp_path / "worker.log",
    ) as process:
        settings.MEDIA_ROOT = tmp_path
        yield process


def _wait_for(job: ExportJob, worker) -> ExportJob:
    return wait_until_finished(job, worker, active="is_active")


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
