"""Uploaded files and error reports are deleted once their import finished longer ago than
``IMPORT_FILE_RETENTION_DAYS``; the import records stay as the audit trail."""

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from config.celery import app as celery_app
from imports.models import ImportJob
from imports.services import import_files_purge, import_job_confirm
from imports.tasks import purge_import_files

pytestmark = pytest.mark.django_db

ERRORS = [{"row": 4, "column": "A", "header": "统一社会信用代码", "message": "格式不正确"}]


def make_job(*, days_ago: int, status=ImportJob.Status.REJECTED, report=True, user=None):
    """An import that finished ``days_ago`` days ago, with its upload (and error report) on disk."""
    job = ImportJob(
        entity="enterprise",
        user=user,
        file_name="企业名单.xlsx",
        status=status,
        rows_total=3,
        new_count=2,
        invalid_count=1,
        errors=ERRORS,
    )
    job.file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(b"upload"), save=False)
    if report:
        job.error_report.save("企业名单_错误报告.xlsx", ContentFile(b"report"), save=False)
    job.finished_at = timezone.now() - timedelta(days=days_ago)
    job.save()
    return job


def on_disk(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


@pytest.fixture
def jobs(settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 90
    return {
        "old": make_job(days_ago=120),
        "old_done": make_job(days_ago=91, status=ImportJob.Status.DONE, report=False),
        "recent": make_job(days_ago=30),
        # A preview confirmed today keeps the preview's finish time while it runs.
        "running": make_job(days_ago=120, status=ImportJob.Status.IMPORTING, report=False),
    }


def test_old_finished_files_go_recent_and_running_ones_stay(
    jobs, django_capture_on_commit_callbacks
):
    old_paths = [
        on_disk(jobs["old"].file.name),
        on_disk(jobs["old"].error_report.name),
        on_disk(jobs["old_done"].file.name),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        purge = import_files_purge()

    assert len(purge.files) == 3 and purge.jobs == 2
    assert purge.size == len(b"upload") * 2 + len(b"report")
    assert not any(path.exists() for path in old_paths)
    for key in ("old", "old_done"):
        job = ImportJob.objects.get(pk=jobs[key].pk)
        assert not job.file and not job.error_report
        # The record is the audit trail: who, what file, the counts and every error.
        assert job.file_name == "企业名单.xlsx" and job.new_count == 2 and job.errors == ERRORS
    for key in ("recent", "running"):
        job = ImportJob.objects.get(pk=jobs[key].pk)
        assert job.file and on_disk(job.file.name).read_bytes() == b"upload"
    assert on_disk(jobs["recent"].error_report.name).exists()
    assert ImportJob.objects.count() == 4


def test_dry_run_deletes_nothing(jobs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        purge = import_files_purge(dry_run=True)
    assert {entry.job_id for entry in purge.files} == {jobs["old"].pk, jobs["old_done"].pk}
    for job in jobs.values():
        job.refresh_from_db()
        assert job.file and on_disk(job.file.name).exists()


def test_a_file_already_missing_from_disk_does_not_stop_the_purge(
    jobs, django_capture_on_commit_callbacks
):
    on_disk(jobs["old"].file.name).unlink()
    with django_capture_on_commit_callbacks(execute=True):
        purge = import_files_purge()
    sizes = {(entry.job_id, entry.kind): entry.size for entry in purge.files}
    assert sizes[(jobs["old"].pk, "file")] is None
    assert sizes[(jobs["old"].pk, "error_report")] == len(b"report")
    assert not on_disk(jobs["old"].error_report.name).exists()
    assert not ImportJob.objects.get(pk=jobs["old"].pk).file


def test_files_are_deleted_only_once_the_rows_are_committed(
    jobs, django_capture_on_commit_callbacks
):
    path = on_disk(jobs["old"].file.name)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        import_files_purge()
    # Cleared in the database, still on disk: a rollback here would leave nothing dangling.
    assert not ImportJob.objects.get(pk=jobs["old"].pk).file and path.exists()
    for callback in callbacks:
        callback()
    assert not path.exists()


def test_days_argument_overrides_the_setting(jobs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        purge = import_files_purge(days=10)
    assert jobs["recent"].pk in {entry.job_id for entry in purge.files}
    assert jobs["running"].pk not in {entry.job_id for entry in purge.files}


def test_command_lists_in_chinese_what_it_would_remove_then_removes_it(
    jobs, capsys, django_capture_on_commit_callbacks
):
    call_command("purge_import_files", "--dry-run")
    out = capsys.readouterr().out
    assert "试运行，未删除任何文件" in out
    assert f"将删除 导入记录 #{jobs['old'].pk}（企业名单.xlsx）的上传文件" in out
    assert f"导入记录 #{jobs['old'].pk}（企业名单.xlsx）的错误报告" in out
    assert f"#{jobs['recent'].pk}" not in out
    assert on_disk(jobs["old"].file.name).exists()

    on_disk(jobs["old_done"].file.name).unlink()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_import_files", "--days", "60")
    out = capsys.readouterr().out
    assert "已删除在" in out and "2 条导入的 3 个文件" in out and "导入记录及其错误明细保留" in out
    assert "磁盘上已不存在" in out
    assert not on_disk(jobs["old"].file.name).exists()

    call_command("purge_import_files")
    assert "无需清理" in capsys.readouterr().out


def test_command_refuses_negative_days():
    with pytest.raises(CommandError, match="不能为负数"):
        call_command("purge_import_files", "--days", "-1")


def test_beat_runs_the_purge_daily_with_the_configured_retention(
    settings, django_capture_on_commit_callbacks
):
    entry = celery_app.conf.beat_schedule["imports-purge-files"]
    assert entry["task"] == purge_import_files.name
    assert entry["schedule"].remaining_estimate(timezone.now()) <= timedelta(days=1)

    settings.IMPORT_FILE_RETENTION_DAYS = 10
    old = make_job(days_ago=11)
    kept = make_job(days_ago=9)
    with django_capture_on_commit_callbacks(execute=True):
        purge_import_files.delay()
    assert not ImportJob.objects.get(pk=old.pk).file
    assert ImportJob.objects.get(pk=kept.pk).file


def test_a_preview_whose_file_was_purged_cannot_be_confirmed(
    staff_user, django_capture_on_commit_callbacks
):
    preview = make_job(days_ago=100, status=ImportJob.Status.PREVIEWED, user=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        import_files_purge()
    preview.refresh_from_db()
    with pytest.raises(PermissionDenied, match="超过保留期限"):
        import_job_confirm(job=preview, user=staff_user)
    assert ImportJob.objects.get(pk=preview.pk).status == ImportJob.Status.PREVIEWED
