"""``/api/indicators/``, ``/api/imports/jobs/`` and ``/api/reports/exports/`` per persona."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enterprises.models import Enterprise
from imports.models import ImportJob
from reports.annual.services import report_create
from reports.models import ExportJob
from tests.factories import EnterpriseFactory, SmeEvaluationFactory
from tests.imports.conftest import code, xlsx_bytes

pytestmark = pytest.mark.django_db

INDICATORS = "/api/indicators/"
IMPORTS = "/api/imports/jobs/"
EXPORTS = "/api/reports/exports/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sme_in_two_townships(township, other_township):
    SmeEvaluationFactory(enterprise=EnterpriseFactory(township=township, name="城关科技"))
    SmeEvaluationFactory(enterprise=EnterpriseFactory(township=other_township, name="东山机密科技"))


def _indicator(body, key):
    return next(row for row in body["indicators"] if row["key"] == key)


# --- Indicators -------------------------------------------------------------------------------


def test_staff_reads_district_and_township_figures(
    sme_in_two_townships, township, api_for, staff_user
):
    client = api_for(staff_user)
    district = client.get(INDICATORS, {"year": 2025}).json()
    assert district["township"] is None
    sme = _indicator(district, "sme_registered")
    assert sme["value"] == 2 and sme["label"] == "科技型中小企业评价入库"
    one = client.get(INDICATORS, {"year": 2025, "township": township.code}).json()
    assert one["township"] == township.code
    assert _indicator(one, "sme_registered")["value"] == 1


def test_liaison_is_held_to_own_township_whatever_is_asked(
    sme_in_two_townships, township, other_township, api_for, liaison_user
):
    client = api_for(liaison_user)
    for params in ({"year": 2025}, {"year": 2025, "township": other_township.code}):
        response = client.get(INDICATORS, params)
        assert response.status_code == 200
        body = response.json()
        assert body["township"] == township.code
        assert _indicator(body, "sme_registered")["value"] == 1
        assert "东山" not in response.content.decode()


def test_leader_reads_outsider_and_anonymous_do_not(api_for, leader_user, outsider_user):
    assert api_for(leader_user).get(INDICATORS, {"year": 2025}).status_code == 200
    assert api_for(outsider_user).get(INDICATORS, {"year": 2025}).status_code == 403
    assert api_for(None).get(INDICATORS, {"year": 2025}).status_code == 401


def test_bad_year_or_township_is_400_in_chinese(api_for, staff_user):
    client = api_for(staff_user)
    assert client.get(INDICATORS).json()["year"] == ["该字段是必填项。"]
    assert "年度应在" in client.get(INDICATORS, {"year": 1990}).json()["year"][0]
    unknown = client.get(INDICATORS, {"year": 2025, "township": "999999999"})
    assert unknown.json() == {"township": ["没有该区划代码的乡镇（街道）。"]}


# --- Import jobs ------------------------------------------------------------------------------


def _workbook(township, *names):
    rows = [["统一社会信用代码", "企业名称", "乡镇（街道）"]]
    rows += [[code(700 + i), name, township.name] for i, name in enumerate(names)]
    return SimpleUploadedFile("企业.xlsx", xlsx_bytes(rows))


def test_upload_preview_then_confirm_writes_the_records(township, api_for, staff_user):
    client = api_for(staff_user)
    uploaded = client.post(
        IMPORTS, {"entity": "enterprise", "file": _workbook(township, "甲公司", "乙公司")}
    )
    assert uploaded.status_code == 201, uploaded.json()
    job = uploaded.json()
    assert (job["status"], job["new_count"], job["written"]) == ("previewed", 2, False)
    assert not Enterprise.objects.exists()

    confirmed = client.post(f"{IMPORTS}{job['id']}/confirm/", {}, format="json")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "done"
    assert set(Enterprise.objects.values_list("name", flat=True)) == {"甲公司", "乙公司"}
    again = client.post(f"{IMPORTS}{job['id']}/confirm/", {}, format="json")
    assert again.status_code == 403
    assert "当前不能确认" in again.json()["detail"]


def test_rows_of_another_township_are_errors_for_a_liaison(
    township, other_township, api_for, liaison_user
):
    response = api_for(liaison_user).post(
        IMPORTS, {"entity": "enterprise", "file": _workbook(other_township, "东山公司")}
    )
    assert response.status_code == 201
    job = response.json()
    assert job["invalid_count"] == 1
    assert "联络员只能录入本乡镇" in job["errors"][0]["message"]


def test_liaison_sees_only_own_jobs_and_leader_cannot_upload(
    township, api_for, staff_user, liaison_user, leader_user
):
    staff_job = api_for(staff_user).post(
        IMPORTS, {"entity": "enterprise", "file": _workbook(township, "丙公司")}
    )
    liaison = api_for(liaison_user)
    assert liaison.get(IMPORTS).json()["count"] == 0
    assert liaison.get(f"{IMPORTS}{staff_job.json()['id']}/").status_code == 404
    refused = api_for(leader_user).post(
        IMPORTS, {"entity": "enterprise", "file": _workbook(township, "丁公司")}
    )
    assert refused.status_code == 403
    assert ImportJob.objects.count() == 1


def test_unknown_entity_and_missing_file_are_400(api_for, staff_user):
    response = api_for(staff_user).post(IMPORTS, {"entity": "nothing"})
    assert response.status_code == 400
    body = response.json()
    assert body["entity"] == ["不支持导入该类记录。"] and "file" in body


def test_oversized_upload_is_refused_while_streaming(township, api_for, staff_user, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    big = SimpleUploadedFile("大.csv", b"a,b\n" + b"1,2\n" * 2000)
    response = api_for(staff_user).post(IMPORTS, {"entity": "enterprise", "file": big})
    assert response.status_code == 400
    assert "文件过大" in response.json()["file"][0]
    assert not ImportJob.objects.exists()


# --- Export jobs of the annual report ---------------------------------------------------------


def test_staff_queues_an_export_and_follows_it(api_for, staff_user):
    report_create(year=2025, user=staff_user)
    client = api_for(staff_user)
    created = client.post(EXPORTS, {"year": 2025, "format": "pdf"}, format="json")
    assert created.status_code == 201, created.json()
    job = created.json()
    assert (job["year"], job["version"], job["format"]) == (2025, 1, "pdf")
    # Sent to the worker once the transaction commits, which a test's never does.
    assert job["status"] == "queued"
    assert client.get(f"{EXPORTS}{job['id']}/").json()["id"] == job["id"]
    assert client.get(EXPORTS).json()["count"] == 1
    # Only a failed job may be retried.
    retry = client.post(f"{EXPORTS}{job['id']}/retry/")
    assert retry.status_code == 400
    assert retry.json() == {"non_field_errors": ["只有失败的导出任务可以重试。"]}


def test_export_of_a_missing_report_is_404(api_for, staff_user):
    response = api_for(staff_user).post(EXPORTS, {"year": 2024, "format": "docx"}, format="json")
    assert response.status_code == 404
    assert not ExportJob.objects.exists()


def test_liaison_and_outsider_cannot_touch_report_exports(
    api_for, staff_user, liaison_user, outsider_user, leader_user
):
    report_create(year=2025, user=staff_user)
    for user in (liaison_user, outsider_user):
        client = api_for(user)
        assert client.get(EXPORTS).status_code == 403
        assert (
            client.post(EXPORTS, {"year": 2025, "format": "pdf"}, format="json").status_code == 403
        )
    assert api_for(leader_user).get(EXPORTS).status_code == 200
    assert reverse("api:reports-export-list") == EXPORTS
