"""A real worker killed with SIGKILL in the middle of an import: nothing of the import is written,
and a second worker started on the same queue takes the task up again and finishes it, so the job
ends done (or failed), never stuck "running".

The broker gives an unacknowledged task back after its visibility timeout; the worker here runs
with a timeout of seconds (production keeps an hour, longer than any task) so the test waits
seconds, not an hour.
"""

import os
import signal
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enterprises.models import Enterprise
from imports.models import ImportJob
from tests.celery_worker import running_worker, wait_until_finished
from tests.imports.conftest import code, xlsx_bytes

REDIS_URL = os.environ.get("IMPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
ROWS = 20000  # a write of a few seconds: long enough to be killed in the middle of it
FAST_REDELIVERY = {
    "CELERY_VISIBILITY_TIMEOUT": "3",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
}

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _worker(tmp_path, name: str, queue: str | None = None):
    return running_worker(
        redis_url=REDIS_URL,
        queue_prefix="killed-worker",
        media=tmp_path / "media",
        log_path=tmp_path / f"{name}.log",
        queue=queue,
        env=FAST_REDELIVERY,
    )


def _wait_for_status(job: ImportJob, status: str, worker, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == status:
            return
        assert worker["process"].poll() is None, worker["log"].read_text()[-3000:]
        time.sleep(0.02)
    pytest.fail(f"job never reached {status}: {job.status}")


def test_a_worker_killed_mid_import_leaves_nothing_written_and_the_next_worker_redoes_it(
    tmp_path, settings, staff_client, township
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_BACKGROUND_ROWS = 20
    rows = [["统一社会信用代码", "企业名称", "乡镇（街道）"]]
    rows += [[code(i), f"企业{i}", township.name] for i in range(ROWS)]

    with _worker(tmp_path, "first") as first:
        staff_client.post(
            reverse("imports:upload", args=["enterprise"]),
            {"file": SimpleUploadedFile("企业.xlsx", xlsx_bytes(rows))},
        )
        job = ImportJob.objects.get()
        job = wait_until_finished(job, first, active="is_running")
        assert job.status == ImportJob.Status.PREVIEWED, job.message
        staff_client.post(reverse("imports:job-confirm", args=[job.pk]))
        _wait_for_status(job, ImportJob.Status.IMPORTING, first)
        os.kill(first["process"].pid, signal.SIGKILL)
        first["process"].wait(timeout=10)
        queue = first["queue"]

    # Killed in the middle: the write was one transaction, so nothing of it is in the table,
    # and the job still says it is running (nobody is left to say otherwise).
    job.refresh_from_db()
    assert first["process"].returncode == -signal.SIGKILL
    assert job.status == ImportJob.Status.IMPORTING, "the import ended before the kill"
    assert not Enterprise.objects.exists()

    with _worker(tmp_path, "second", queue=queue) as second:
        job = wait_until_finished(job, second, active="is_running", timeout=180)
    assert job.status == ImportJob.Status.DONE, job.message
    assert Enterprise.objects.count() == ROWS and job.new_count == ROWS
