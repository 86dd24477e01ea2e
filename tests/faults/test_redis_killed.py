"""Redis killed for real (SIGKILL to a ``redis-server`` the test started) in the middle of a job
a real Celery worker is running on it: an import, a report export, a bulk edit. Each job ends
either done, whole, or failed with a Chinese reason and nothing written; the job's page says
which. Redis then comes back with its append-only file, as a production Redis with persistence
does after a crash, and the task it still holds unacknowledged is delivered again: the job is
left as it ended, nothing is written twice.

Also: a worker killed (SIGKILL) right after it took a report export; a second worker on the same
queue gets the task again from the broker and renders the file.

The worker runs with a visibility timeout of seconds (production keeps an hour, longer than any
task), so a redelivery happens within the test."""

import os
import signal
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enterprises.models import Enterprise
from imports.models import ImportJob
from portal.models import BulkJob
from poverty.models import Commissioner
from reports.annual import services as annual_services
from reports.models import ExportJob
from tests.celery_worker import running_worker, wait_until_finished
from tests.imports.conftest import code, xlsx_bytes
from tests.reports.annual_data import YEAR, build_year

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FAST_REDELIVERY = {
    "CELERY_VISIBILITY_TIMEOUT": "3",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
}
# After Redis is back: the visibility timeout, the restore interval and a task's run, with room.
REDELIVERY_WAIT = 12
CHINESE = "\u4e00-\u9fff"


@pytest.fixture
def on_private_redis(private_redis, settings, tmp_path):
    """``start(name, queue=None)``: a worker on the private Redis; this process's cache and
    Celery app use the same Redis, so the pages read the worker's progress."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def start(name: str, queue: str | None = None):
        worker = running_worker(
            redis_url=private_redis.url,
            queue_prefix="redis-killed",
            media=tmp_path / "media",
            log_path=tmp_path / f"{name}.log",
            queue=queue,
            env=FAST_REDELIVERY,
        )
        return worker

    settings.CACHES = {
        "default": {"BACKEND": "portal.cache.FailSoftRedisCache", "LOCATION": private_redis.url}
    }
    return start


def _wait(predicate, worker, what: str, timeout: float = 120, every: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        assert worker["process"].poll() is None, worker["log"].read_text()[-3000:]
        time.sleep(every)
    pytest.fail(f"{what} did not happen within {timeout} s:\n{worker['log'].read_text()[-3000:]}")


def _ended_whole_or_failed_in_chinese(job, *, done, failed, written: int, expected: int):
    """Done with everything written, or failed with a Chinese reason and nothing written."""
    import re

    if job.status == done:
        assert written == expected
    else:
        assert job.status == failed, job.status
        reason = getattr(job, "message", "") or getattr(job, "error", "")
        assert re.search(f"[{CHINESE}]", reason), reason
        assert written == 0


def test_redis_killed_in_the_middle_of_an_import(
    on_private_redis, private_redis, settings, staff_client, township
):
    settings.IMPORT_BACKGROUND_ROWS = 20
    rows = [["统一社会信用代码", "企业名称", "乡镇（街道）"]]
    rows += [[code(i), f"企业{i}", township.name] for i in range(20000)]
    with on_private_redis("import") as worker:
        staff_client.post(
            reverse("imports:upload", args=["enterprise"]),
            {"file": SimpleUploadedFile("企业.xlsx", xlsx_bytes(rows))},
        )
        job = wait_until_finished(ImportJob.objects.get(), worker, active="is_running")
        assert job.status == ImportJob.Status.PREVIEWED, job.message
        staff_client.post(reverse("imports:job-confirm", args=[job.pk]))
        _wait(
            lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.IMPORTING,
            worker,
            "the import's start",
        )
        private_redis.kill()
        job = wait_until_finished(job, worker, active="is_running", timeout=180)
        _ended_whole_or_failed_in_chinese(
            job,
            done=ImportJob.Status.DONE,
            failed=ImportJob.Status.FAILED,
            written=Enterprise.objects.count(),
            expected=20000,
        )
        page = staff_client.get(job.get_absolute_url()).content.decode()
        assert job.get_status_display() in page

        private_redis.start()
        time.sleep(REDELIVERY_WAIT)
        ended = (job.status, job.finished_at, Enterprise.objects.count())
        job.refresh_from_db()
        assert (job.status, job.finished_at, Enterprise.objects.count()) == ended
        assert Enterprise.history.count() == ended[2]  # no row written twice
        assert worker["process"].poll() is None, "the worker did not survive Redis's death"


def _export(staff_user):
    build_year()
    report = annual_services.report_create(year=YEAR, user=staff_user)
    return report


def _received(worker, task: str) -> bool:
    log = worker["log"].read_text()
    return any(f"Task {task}[" in line and "received" in line for line in log.splitlines())


def test_redis_killed_in_the_middle_of_a_report_export(
    on_private_redis, private_redis, staff_client, staff_user
):
    _export(staff_user)
    with on_private_redis("export") as worker:
        staff_client.post(reverse("reports:annual-export", args=[YEAR]), {"format": "pdf"})
        job = ExportJob.objects.get()
        # killed as soon as the worker has the task: the render has not finished
        _wait(lambda: _received(worker, "reports.export_report"), worker, "the task's receipt")
        private_redis.kill()
        job = wait_until_finished(job, worker, active="is_active", timeout=180)
        _ended_whole_or_failed_in_chinese(
            job,
            done=ExportJob.Status.DONE,
            failed=ExportJob.Status.FAILED,
            written=int(bool(job.file)),
            expected=1,
        )
        if job.status == ExportJob.Status.DONE:
            assert job.file.size == job.size > 10_000
        page = staff_client.get(reverse("reports:annual-detail", args=[YEAR])).content.decode()
        assert job.get_status_display() in page

        private_redis.start()
        time.sleep(REDELIVERY_WAIT)
        ended = (job.status, job.attempts, job.finished_at, job.file.name)
        job.refresh_from_db()
        assert (job.status, job.attempts, job.finished_at, job.file.name) == ended
        assert worker["process"].poll() is None, "the worker did not survive Redis's death"


def test_redis_killed_during_a_bulk_job(on_private_redis, private_redis, settings, staff_client):
    assert settings.BULK_JOB_THRESHOLD == 2000
    Commissioner.objects.bulk_create(
        Commissioner(
            name=f"特派员{i}",
            sending_unit="区农业农村局",
            specialty="果树栽培",
            phone=f"139{i:08d}",
            is_active=True,
        )
        for i in range(2500)
    )
    with on_private_redis("bulk") as worker:
        staff_client.post(
            reverse("poverty:commissioner-bulk"),
            {
                "action": "edit",
                "all": "1",
                "query": "is_active=true",
                "set_is_active": "on",
                "is_active": "false",
                "bulk_step": "confirm",
            },
        )
        job = BulkJob.objects.get()
        _wait(
            lambda: BulkJob.objects.get(pk=job.pk).status == BulkJob.Status.RUNNING,
            worker,
            "the bulk job's start",
        )
        private_redis.kill()
        job = wait_until_finished(job, worker, active="is_running", timeout=300)
        written = Commissioner.objects.filter(is_active=False).count()
        _ended_whole_or_failed_in_chinese(
            job,
            done=BulkJob.Status.DONE,
            failed=BulkJob.Status.FAILED,
            written=written,
            expected=2500,
        )
        assert Commissioner.history.filter(history_type="~").count() == written
        page = staff_client.get(job.get_absolute_url()).content.decode()
        assert job.get_status_display() in page or f"已写入 {written} 条记录" in page

        private_redis.start()
        time.sleep(REDELIVERY_WAIT)
        ended = (job.status, job.finished_at, job.written)
        job.refresh_from_db()
        assert (job.status, job.finished_at, job.written) == ended
        assert Commissioner.history.filter(history_type="~").count() == written
        assert worker["process"].poll() is None, "the worker did not survive Redis's death"


def test_a_worker_killed_after_it_took_a_report_export_hands_it_to_the_next(
    on_private_redis, staff_client, staff_user
):
    _export(staff_user)
    with on_private_redis("first") as first:
        staff_client.post(reverse("reports:annual-export", args=[YEAR]), {"format": "pdf"})
        job = ExportJob.objects.get()
        _wait(lambda: _received(first, "reports.export_report"), first, "the task's receipt")
        os.kill(first["process"].pid, signal.SIGKILL)
        first["process"].wait(timeout=10)
        queue = first["queue"]
    job.refresh_from_db()
    assert first["process"].returncode == -signal.SIGKILL
    assert job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING), job.status
    assert not job.file, "the export ended before the kill"

    # the task is still the broker's (unacknowledged): a second worker gets it again
    with on_private_redis("second", queue=queue) as second:
        job = wait_until_finished(job, second, active="is_active", timeout=180)
        assert "reports.export_report" in second["log"].read_text()
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.attempts in (1, 2)  # 2 when the first had begun rendering
    response = staff_client.get(reverse("reports:annual-export-download", args=[YEAR, job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
