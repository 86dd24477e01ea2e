"""The pages: list toolbar, upload -> preview -> confirm, progress, reports, exports."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.models import Enterprise
from imports.models import ImportJob
from tests.factories import EnterpriseFactory, TownshipFactory, UserFactory
from tests.imports.conftest import code, xlsx_bytes

pytestmark = pytest.mark.django_db

ROWS = [["统一社会信用代码", "企业名称", "乡镇（街道）"], [code(1), "甲", "城关街道"]]


def upload(client, data, name="企业.xlsx", entity="enterprise", **extra):
    return client.post(
        reverse("imports:upload", args=[entity]),
        {"file": SimpleUploadedFile(name, data), **extra},
    )


def test_list_page_shows_import_export_and_template_buttons(staff_client):
    html = staff_client.get(reverse("enterprises:enterprise-list")).content.decode()
    assert reverse("imports:upload", args=["enterprise"]) in html
    assert reverse("imports:template", args=["enterprise"]) in html
    assert reverse("imports:export", args=["enterprise"]) in html


def test_leader_sees_export_but_not_import(leader_client):
    html = leader_client.get(reverse("enterprises:enterprise-list")).content.decode()
    assert reverse("imports:export", args=["enterprise"]) in html
    assert f'href="{reverse("imports:upload", args=["enterprise"])}"' not in html
    assert "下载模板" not in html
    assert leader_client.get(reverse("imports:upload", args=["enterprise"])).status_code == 403


def test_outsider_gets_nothing(outsider_client):
    for name in ("imports:upload", "imports:export", "imports:template"):
        assert outsider_client.get(reverse(name, args=["enterprise"])).status_code == 403


def test_unknown_entity_is_404(staff_client):
    assert staff_client.get(reverse("imports:upload", args=["nosuch"])).status_code == 404


def test_upload_previews_then_confirm_writes(staff_client, staff_user, township):
    response = upload(staff_client, xlsx_bytes(ROWS))
    job = ImportJob.objects.get()
    assert response.url == job.get_absolute_url()
    assert job.status == "previewed" and job.new_count == 1 and job.user == staff_user
    assert len(job.checksum) == 64 and job.file_name == "企业.xlsx"
    assert not Enterprise.objects.exists()
    page = staff_client.get(job.get_absolute_url()).content.decode()
    assert "确认导入" in page
    staff_client.post(reverse("imports:job-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and job.written
    assert Enterprise.objects.get().name == "甲"


def test_preview_lists_errors_and_confirm_writes_nothing_unless_skipping(staff_client, township):
    data = xlsx_bytes(ROWS + [["BAD", "乙", "城关街道"]])
    upload(staff_client, data)
    job = ImportJob.objects.get()
    assert job.invalid_count == 1 and job.errors[0]["row"] == 3
    page = staff_client.get(job.get_absolute_url()).content.decode()
    assert "第3行" in page and "下载错误报告" in page
    staff_client.post(reverse("imports:job-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "rejected" and not Enterprise.objects.exists()


def test_confirm_with_skip_invalid_writes_the_valid_rows(staff_client, township):
    upload(staff_client, xlsx_bytes(ROWS + [["BAD", "乙", "城关街道"]]))
    job = ImportJob.objects.get()
    staff_client.post(reverse("imports:job-confirm", args=[job.pk]), {"skip_invalid": "on"})
    job.refresh_from_db()
    assert job.status == "done" and Enterprise.objects.count() == 1


def test_error_report_downloads_as_xlsx(staff_client, township):
    upload(staff_client, xlsx_bytes(ROWS + [["BAD", "乙", "城关街道"]]))
    job = ImportJob.objects.get()
    response = staff_client.get(reverse("imports:job-report", args=[job.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A2"].value == 3


def test_bad_file_is_recorded_with_its_message(staff_client, township):
    upload(staff_client, b"not a spreadsheet at all", name="a.xlsx")
    job = ImportJob.objects.get()
    assert job.status == "failed" and "未找到表头" in job.message
    assert "未找到表头" in staff_client.get(job.get_absolute_url()).content.decode()


def test_oversized_upload_is_refused_without_storing_it(settings, staff_client, township):
    settings.IMPORT_MAX_UPLOAD_BYTES = 2048
    response = upload(staff_client, b"x" * (1024 * 1024))
    assert response.status_code == 200 and "文件过大" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_jobs_of_others_are_hidden_from_liaisons(client_for, staff_user, liaison_user, township):
    upload(client_for(staff_user), xlsx_bytes(ROWS))
    job = ImportJob.objects.get()
    liaison = client_for(liaison_user)
    assert liaison.get(job.get_absolute_url()).status_code == 404
    assert liaison.post(reverse("imports:job-confirm", args=[job.pk])).status_code == 404


def test_liaison_upload_marks_other_township_rows_invalid(liaison_client, township, other_township):
    data = xlsx_bytes(ROWS + [[code(2), "外镇", "东山镇"]])
    upload(liaison_client, data)
    job = ImportJob.objects.get()
    assert job.new_count == 1 and job.invalid_count == 1
    assert "联络员只能录入本乡镇" in job.errors[0]["message"]


def test_large_files_run_in_the_background_with_a_progress_bar(
    settings, staff_client, township, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 5
    rows = [ROWS[0]] + [[code(i), f"企业{i}", "城关街道"] for i in range(10)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(staff_client, xlsx_bytes(rows))
    job = ImportJob.objects.get()
    assert job.background and job.status == "validating"
    page = staff_client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in page and "progress-bar" in page
    progress = staff_client.get(reverse("imports:job-progress", args=[job.pk]))
    assert "HX-Refresh" not in progress.headers
    for callback in callbacks:  # the Celery task, run eagerly
        callback()
    job.refresh_from_db()
    assert job.status == "previewed" and job.new_count == 10
    progress = staff_client.get(reverse("imports:job-progress", args=[job.pk]))
    assert progress.headers["HX-Refresh"] == "true"


def test_export_honours_the_list_filters_and_scope(
    staff_client, liaison_client, township, other_township
):
    EnterpriseFactory(township=township, name="城关企业")
    EnterpriseFactory(township=other_township, name="东山企业")
    url = reverse("imports:export", args=["enterprise"])
    response = staff_client.get(url, {"township": other_township.pk, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["东山企业"]
    csv_text = b"".join(liaison_client.get(url, {"format": "csv"}).streaming_content).decode()
    assert "城关企业" in csv_text and "东山企业" not in csv_text
    search = b"".join(staff_client.get(url, {"format": "csv", "q": "城关"}).streaming_content)
    assert "城关企业" in search.decode() and "东山企业" not in search.decode()


def test_export_button_through_htmx_redirects_to_the_download(staff_client):
    url = reverse("imports:export", args=["enterprise"])
    response = staff_client.get(url, {"format": "csv", "q": "甲"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert (
        response.headers["HX-Redirect"].startswith(url)
        and "q=%E7%94%B2" in response.headers["HX-Redirect"]
    )


def test_template_download(staff_client):
    response = staff_client.get(reverse("imports:template", args=["techcontract"]))
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["A1"].value == "登记编号"


def test_admin_only_reference_data_import_page(client_for, staff_user, admin_user):
    TownshipFactory(code="370302001", name="城关街道")
    assert (
        client_for(staff_user).get(reverse("imports:upload", args=["township"])).status_code == 403
    )
    assert (
        client_for(admin_user).get(reverse("imports:upload", args=["township"])).status_code == 200
    )


def test_job_list_page(staff_client, township):
    upload(staff_client, xlsx_bytes(ROWS))
    page = staff_client.get(reverse("imports:job-list")).content.decode()
    assert "企业.xlsx" in page


def test_confirming_twice_writes_once(staff_client, township):
    upload(staff_client, xlsx_bytes(ROWS))
    job = ImportJob.objects.get()
    url = reverse("imports:job-confirm", args=[job.pk])
    staff_client.post(url)
    response = staff_client.post(url, follow=True)
    assert "不能确认" in response.content.decode()
    assert Enterprise.objects.count() == 1


def test_only_the_uploader_confirms(client_for, staff_user, township):
    upload(client_for(staff_user), xlsx_bytes(ROWS))
    job = ImportJob.objects.get()
    other = client_for(UserFactory(username="staff2", role="staff"))
    other.post(reverse("imports:job-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "previewed" and not Enterprise.objects.exists()
