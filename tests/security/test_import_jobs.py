"""An import job that stops abnormally, in the request or in the background, ends failed with
a Chinese reason; none stays "pending" or "running"."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from imports import services
from imports.models import ImportJob
from tests.imports.conftest import code
from tests.security.attack import excel_escaped, has_unsafe
from tests.security.test_generated_text import _xlsx

pytestmark = pytest.mark.django_db

# A row with an error (bad credit code) whose name carries a control character.
BAD_ROWS = [
    ["统一社会信用代码", "企业名称", "乡镇（街道）"],
    [code(1)[:-1] + "Z", "坏\x0b企业\x1f", "城关街道"],
]


def _upload(client, rows):
    return client.post(
        "/imports/enterprise/",
        {"file": SimpleUploadedFile("坏.xlsx", _xlsx(rows))},
    )


def test_a_control_character_in_a_row_with_an_error_still_gives_a_preview_and_report(
    staff_client, township
):
    response = _upload(staff_client, BAD_ROWS)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PREVIEWED and job.invalid_count == 1
    report = staff_client.get(f"/imports/job/{job.pk}/report/")
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "坏企业" in values and not any(has_unsafe(v) for v in values)
    assert excel_escaped("\x0b") == "_x000B_"  # the sheet did carry the character


def test_a_fault_while_storing_the_outcome_ends_the_job_failed_with_the_reason(
    staff_client, township, settings
):
    # A real fault: the error reports' folder is a file, so storing the report fails.
    media = settings.MEDIA_ROOT
    (media / "imports").mkdir(parents=True)
    (media / "imports" / "reports").write_text("not a folder")
    response = _upload(staff_client, BAD_ROWS)
    assert response.status_code == 302  # not a server error
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert job.message.startswith("导入过程中发生意外错误，未写入任何数据")
    assert not job.written and job.finished_at
    page = staff_client.get(job.get_absolute_url())
    assert page.status_code == 200 and "导入过程中发生意外错误" in page.content.decode()


def test_the_command_ends_a_failed_job_failed_too(staff_user, township, settings, tmp_path):
    media = settings.MEDIA_ROOT
    (media / "imports").mkdir(parents=True)
    (media / "imports" / "reports").write_text("not a folder")
    path = tmp_path / "坏.xlsx"
    path.write_bytes(_xlsx(BAD_ROWS))
    with pytest.raises(SystemExit):
        call_command(
            "import_excel",
            "enterprise",
            str(path),
            "--dry-run",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and "意外错误" in job.message


@pytest.mark.parametrize(
    ("background", "status", "started"),
    [
        (False, ImportJob.Status.PENDING, None),  # created, its run never began
        (False, ImportJob.Status.VALIDATING, 31),  # the web worker died mid-request
        (False, ImportJob.Status.IMPORTING, 31),
        (True, ImportJob.Status.PENDING, None),  # queued, never picked up
        (True, ImportJob.Status.IMPORTING, 31),
    ],
)
def test_the_stale_sweep_ends_every_job_nobody_will_finish(staff_user, background, status, started):
    job = ImportJob.objects.create(
        entity="enterprise",
        user=staff_user,
        file_name="x.xlsx",
        status=status,
        background=background,
    )
    long_ago = timezone.now() - timedelta(minutes=31)
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=long_ago, started_at=long_ago if started else None
    )
    fresh = ImportJob.objects.create(
        entity="enterprise",
        user=staff_user,
        file_name="y.xlsx",
        status=status,
        background=background,
        started_at=timezone.now() if started else None,
    )
    assert services.import_jobs_fail_stale() == 1
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "任务已终止" in job.message
    assert fresh.status == status  # a job still within its time is left running
