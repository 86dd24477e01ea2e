"""A bulk action above ``BULK_JOB_THRESHOLD`` runs on a real Celery worker on Redis: 2,500
records, a progress page while it runs, every record written with its history row.

Needs Redis (``BULK_TEST_REDIS_URL``, default db 4 on localhost); skipped without it."""

import os

import pytest
from django.urls import reverse

from portal.models import BulkJob
from poverty.models import Commissioner
from tests.celery_worker import running_worker, wait_until_finished

REDIS_URL = os.environ.get("BULK_TEST_REDIS_URL", "redis://127.0.0.1:6379/4")

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

URL = reverse("poverty:commissioner-bulk")


@pytest.fixture
def worker(tmp_path, transactional_db, settings):
    with running_worker(
        redis_url=REDIS_URL,
        queue_prefix="bulk-test",
        media=tmp_path / "media",
        log_path=tmp_path / "worker.log",
    ) as process:
        settings.CACHES = {
            "default": {
                "BACKEND": "portal.cache.FailSoftRedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": process["queue"],
            }
        }
        yield process


def _commissioners(n: int) -> None:
    Commissioner.objects.bulk_create(
        Commissioner(
            name=f"特派员{i}",
            sending_unit="区农业农村局",
            specialty="果树栽培",
            phone=f"139{i:08d}",
            is_active=True,
        )
        for i in range(n)
    )


def test_2500_records_are_edited_by_a_real_worker(worker, staff_client, settings):
    assert settings.BULK_JOB_THRESHOLD == 2000
    _commissioners(2500)
    data = {
        "action": "edit",
        "all": "1",
        "query": "is_active=true",
        "set_is_active": "on",
        "is_active": "false",
        "bulk_step": "confirm",
    }
    response = staff_client.post(URL, data)
    job = BulkJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert job.total == 2500 and job.reason == "批量修改：在岗"
    assert "已处理" in staff_client.get(job.get_absolute_url()).content.decode() or not (
        BulkJob.objects.get().is_running
    )

    job = wait_until_finished(job, worker, active="is_running", timeout=300)
    assert job.status == BulkJob.Status.DONE, (job.message, job.refused[:3])
    assert job.written == 2500 and not job.refused
    assert not Commissioner.objects.filter(is_active=True).exists()
    history = Commissioner.history.filter(history_type="~")
    assert history.count() == 2500
    assert set(history.values_list("history_change_reason", flat=True)) == {"批量修改：在岗"}
    assert "portal.run_bulk_job" in worker["log"].read_text()
    page = staff_client.get(job.get_absolute_url()).content.decode()
    assert "已写入 2500 条记录" in page
