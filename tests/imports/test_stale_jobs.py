"""What a dead worker leaves behind, replayed on the job row: a redelivered import is redone, a
finished one delivered again is left alone, one stuck past its time limit is failed on page load,
and the broker settings that make redelivery happen at all.

These tests write the state a killed worker leaves (a job "running" since some time) rather than
kill one, to check each rule at its boundary; ``tests/faults/test_killed_worker.py`` kills a real
worker with SIGKILL in the middle of an import."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from enterprises.models import Enterprise
from imports import services, tasks
from imports.models import ImportJob
from tests.imports.conftest import code, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def background_job(settings, staff_client, township, django_capture_on_commit_callbacks):
    """A previewed upload big enough for the background, its task not yet delivered."""
    settings.IMPORT_BACKGROUND_ROWS = 2
    rows = [["统一社会信用代码", "企业名称", "乡镇（街道）"]]
    rows += [[code(i), f"企业{i}", township.name] for i in range(5)]
    with django_capture_on_commit_callbacks(execute=False):
        staff_client.post(
            reverse("imports:upload", args=["enterprise"]),
            {"file": SimpleUploadedFile("企业.xlsx", xlsx_bytes(rows))},
        )
    job = ImportJob.objects.get()
    assert job.background and job.is_running
    return job


def _killed_mid_run(job: ImportJob, *, ago: timedelta) -> None:
    """What a worker killed during the run leaves behind: the job still says it is running."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.IMPORTING, started_at=timezone.now() - ago
    )


def test_a_killed_import_is_redone_when_its_message_is_delivered_again(background_job):
    tasks.run_import_job.run(background_job.pk, True)  # the preview
    background_job.refresh_from_db()
    assert background_job.status == ImportJob.Status.PREVIEWED
    _killed_mid_run(background_job, ago=timedelta(minutes=1))
    # acks_late: the dead worker never acknowledged, so the broker delivers the task again.
    tasks.run_import_job.run(background_job.pk, False)
    background_job.refresh_from_db()
    assert background_job.status == ImportJob.Status.DONE and background_job.new_count == 5
    assert Enterprise.objects.count() == 5


def test_a_finished_import_delivered_again_is_left_alone(background_job):
    tasks.run_import_job.run(background_job.pk, True)
    background_job.refresh_from_db()
    services.import_job_confirm(job=background_job, user=background_job.user)
    tasks.run_import_job.run(background_job.pk, False)
    background_job.refresh_from_db()
    finished_at = background_job.finished_at
    assert background_job.status == ImportJob.Status.DONE and background_job.new_count == 5

    # Its worker died after committing but before acknowledging: the same message again.
    assert tasks.run_import_job.run(background_job.pk, False) == ImportJob.Status.DONE
    background_job.refresh_from_db()
    assert background_job.new_count == 5 and background_job.finished_at == finished_at


def test_an_import_stuck_running_past_its_time_limit_is_failed_on_page_load(
    background_job, staff_client
):
    _killed_mid_run(background_job, ago=services.STALE_AFTER + timedelta(minutes=1))
    page = staff_client.get(background_job.get_absolute_url()).content.decode()
    background_job.refresh_from_db()
    assert background_job.status == ImportJob.Status.FAILED
    assert "处理进程中断" in background_job.message and "处理进程中断" in page
    assert not Enterprise.objects.exists()
    # A late delivery of its task now leaves it failed rather than writing behind its back.
    tasks.run_import_job.run(background_job.pk, False)
    background_job.refresh_from_db()
    assert background_job.status == ImportJob.Status.FAILED and not Enterprise.objects.exists()


def test_an_import_still_within_its_time_limit_is_left_running(background_job, staff_client):
    _killed_mid_run(background_job, ago=services.STALE_AFTER - timedelta(minutes=1))
    staff_client.get(reverse("imports:job-list"))
    background_job.refresh_from_db()
    assert background_job.status == ImportJob.Status.IMPORTING


def test_a_queued_import_whose_message_was_lost_is_failed_too(background_job, staff_client):
    # Never picked up (broker lost the message): judged from when it was queued.
    ImportJob.objects.filter(pk=background_job.pk).update(
        started_at=timezone.now() - services.STALE_AFTER - timedelta(seconds=1)
    )
    staff_client.get(reverse("imports:job-progress", args=[background_job.pk]))
    background_job.refresh_from_db()
    assert background_job.status == ImportJob.Status.FAILED


def test_tasks_are_acknowledged_late_requeued_on_worker_loss_and_time_limited():
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.task_time_limit and conf.task_time_limit < services.STALE_AFTER.total_seconds()
