"""Export jobs: the Celery task (run inline here), its failure paths, retries, idempotence and
the stale-job check."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from reports import tasks
from reports.annual import services
from reports.models import ExportJob
from tests.reports.annual_data import YEAR, build_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def version(staff_user):
    build_year()
    return services.report_create(year=YEAR, user=staff_user).versions.get()


def export(version, fmt, capture, user=None) -> ExportJob:
    with capture(execute=True):
        job = services.export_job_create(version=version, fmt=fmt, user=user)
    job.refresh_from_db()
    return job


def test_an_export_runs_to_done_and_stores_the_file(
    version, media, django_capture_on_commit_callbacks
):
    job = export(version, "pdf", django_capture_on_commit_callbacks)
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.attempts == 1 and job.started_at and job.finished_at
    assert job.size == (media / job.file.name).stat().st_size
    assert job.file.name == f"reports/annual/{YEAR}/report-{YEAR}-v1-job{job.pk}.pdf"
    assert (media / job.file.name).read_bytes()[:5] == b"%PDF-"


def test_a_missing_font_ends_failed_with_the_reason_and_can_be_retried(
    version, media, settings, django_capture_on_commit_callbacks
):
    fonts = dict(settings.REPORT_FONT_FILES)
    settings.REPORT_FONT_FILES = {**fonts, "body": "/nonexistent/fangsong.ttf"}
    job = export(version, "pdf", django_capture_on_commit_callbacks)
    assert job.status == ExportJob.Status.FAILED
    assert "找不到正文（仿宋）字体文件：/nonexistent/fangsong.ttf" in job.error
    assert not job.file

    settings.REPORT_FONT_FILES = fonts
    with django_capture_on_commit_callbacks(execute=True):
        services.export_job_retry(job=job, user=None)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.error == ""


def test_a_file_that_is_not_a_font_is_refused_rather_than_silently_replaced(
    version, media, settings, tmp_path, django_capture_on_commit_callbacks
):
    broken = tmp_path / "kaiti.ttf"
    broken.write_text("not a font")
    settings.REPORT_FONT_FILES = {**settings.REPORT_FONT_FILES, "kai": str(broken)}
    job = export(version, "pdf", django_capture_on_commit_callbacks)
    assert job.status == ExportJob.Status.FAILED
    assert f"二级标题（楷体）字体文件 {broken} 无法使用" in job.error


def test_a_broken_template_ends_failed_with_the_reason(
    version, media, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_DOCUMENT_TEMPLATE = "reports/annual/no_such_document.html"
    job = export(version, "pdf", django_capture_on_commit_callbacks)
    assert job.status == ExportJob.Status.FAILED
    assert "报告模板 reports/annual/no_such_document.html 有误" in job.error


def test_a_second_request_while_one_is_pending_reuses_it(version):
    first = services.export_job_create(version=version, fmt="pdf", user=None)
    again = services.export_job_create(version=version, fmt="pdf", user=None)
    word = services.export_job_create(version=version, fmt="docx", user=None)
    assert again.pk == first.pk and word.pk != first.pk


def test_the_task_is_idempotent(version, media):
    job = services.export_job_create(version=version, fmt="docx", user=None)
    tasks.export_report.run(job.pk)
    job.refresh_from_db()
    done_at, name = job.finished_at, job.file.name
    tasks.export_report.run(job.pk)  # delivered again: the finished job is left alone
    job.refresh_from_db()
    assert (job.status, job.attempts, job.finished_at, job.file.name) == ("done", 1, done_at, name)


def test_a_job_left_running_by_a_dead_worker_is_rendered_again_on_redelivery(version, media):
    job = services.export_job_create(version=version, fmt="docx", user=None)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, attempts=1, started_at=timezone.now()
    )
    tasks.export_report.run(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.attempts == 2


def test_a_job_that_keeps_killing_its_worker_gives_up(version):
    job = services.export_job_create(version=version, fmt="pdf", user=None)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, attempts=services.MAX_EXPORT_ATTEMPTS
    )
    tasks.export_report.run(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "已尝试 3 次" in job.error


def test_stale_jobs_are_turned_into_failed_by_beat_and_on_page_load(version, staff_client):
    stuck = services.export_job_create(version=version, fmt="pdf", user=None)
    lost = services.export_job_create(version=version, fmt="docx", user=None)
    long_ago = timezone.now() - timedelta(hours=2)
    ExportJob.objects.filter(pk=stuck.pk).update(status="running", started_at=long_ago)
    ExportJob.objects.filter(pk=lost.pk).update(created_at=long_ago)
    assert tasks.fail_stale_export_jobs.run() == 2
    stuck.refresh_from_db()
    lost.refresh_from_db()
    assert stuck.status == lost.status == ExportJob.Status.FAILED
    assert "工作进程中断" in stuck.error and "长时间未开始" in lost.error

    fresh = services.export_job_create(version=version, fmt="pdf", user=None)
    ExportJob.objects.filter(pk=fresh.pk).update(status="running", started_at=long_ago)
    staff_client.get(f"/reports/annual/{YEAR}/")
    fresh.refresh_from_db()
    assert fresh.status == ExportJob.Status.FAILED


def test_a_broker_that_refuses_the_job_fails_it_with_the_reason(
    version, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(tasks.export_report, "apply_async", refuse)
    job = export(version, "pdf", django_capture_on_commit_callbacks)
    assert job.status == ExportJob.Status.FAILED and "无法提交到任务队列" in job.error


def test_the_task_acknowledges_late_has_time_limits_and_beat_checks_stale_jobs():
    task = tasks.export_report
    assert task.acks_late and task.reject_on_worker_lost
    assert task.soft_time_limit < task.time_limit <= services.STALE_RUNNING_AFTER.total_seconds()
    schedule = celery_app.conf.beat_schedule["reports-fail-stale-export-jobs"]
    assert schedule["task"] == tasks.fail_stale_export_jobs.name
