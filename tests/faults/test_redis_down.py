"""Redis down (broker and cache): pages still serve, and asking for a report export or a
background import says in Chinese that the job queue is unavailable, never an error 500.

Transactional, so ``transaction.on_commit`` fires inside the request as it does in production
and the page can tell what happened to the job it just queued."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportJob
from reports.annual import services as annual_services
from reports.models import ExportJob
from tests.factories import EnterpriseFactory
from tests.imports.conftest import code, xlsx_bytes
from tests.reports.annual_data import YEAR, build_year

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE_DOWN = "无法提交到任务队列"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_lists_details_and_the_dashboard_still_serve(redis_down, staff_client, township):
    enterprise = EnterpriseFactory(township=township)
    for url in (
        reverse("enterprises:enterprise-list"),
        enterprise.get_absolute_url(),
        reverse("reports:dashboard"),
        reverse("reports:dashboard-data"),
        reverse("imports:job-list"),
        reverse("home"),
    ):
        response = staff_client.get(url, follow=True)
        assert response.status_code == 200, url


def test_a_report_export_fails_at_once_saying_the_queue_is_unavailable(
    redis_down, staff_client, staff_user, media
):
    build_year()
    annual_services.report_create(year=YEAR, user=staff_user)
    started = time.monotonic()
    response = staff_client.post(
        reverse("reports:annual-export", args=[YEAR]), {"format": "pdf"}, follow=True
    )
    assert response.status_code == 200
    assert time.monotonic() - started < 30  # kombu's retries are bounded; the page answers
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.FAILED and QUEUE_DOWN in job.error
    assert QUEUE_DOWN in response.content.decode()
    # The editor page lists the failed job with its reason and a retry button.
    assert staff_client.get(reverse("reports:annual-detail", args=[YEAR])).status_code == 200


def test_a_background_import_fails_saying_the_queue_is_unavailable(
    redis_down, settings, staff_client, township, media
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    rows = [["统一社会信用代码", "企业名称", "乡镇（街道）"]]
    rows += [[code(i), f"企业{i}", township.name] for i in range(5)]
    response = staff_client.post(
        reverse("imports:upload", args=["enterprise"]),
        {"file": SimpleUploadedFile("企业.xlsx", xlsx_bytes(rows))},
        follow=True,
    )
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.background
    assert job.status == ImportJob.Status.FAILED and "任务队列暂不可用" in job.message
    assert "任务队列暂不可用" in response.content.decode()


def test_a_small_import_still_runs_inline_without_redis(redis_down, staff_client, township, media):
    rows = [["统一社会信用代码", "企业名称", "乡镇（街道）"], [code(1), "甲", township.name]]
    response = staff_client.post(
        reverse("imports:upload", args=["enterprise"]),
        {"file": SimpleUploadedFile("企业.xlsx", xlsx_bytes(rows))},
        follow=True,
    )
    assert response.status_code == 200
    assert ImportJob.objects.get().status == ImportJob.Status.PREVIEWED


@pytest.mark.django_db(transaction=False)
def test_settings_with_redis_use_the_cache_that_survives_redis_going_down():
    env = {
        **os.environ,
        "REDIS_URL": "redis://127.0.0.1:6379/7",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    backend = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config import settings; print(settings.CACHES['default']['BACKEND'])",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert backend == "portal.cache.FailSoftRedisCache"
