"""Exporting a version that still holds 【待补充】 placeholders lists them and queues nothing until
staff confirm; the approval page lists them too."""

import pytest
from django.urls import reverse

from reports.annual import services
from reports.annual.rendering import placeholders
from reports.models import ExportJob
from tests.reports.annual_data import YEAR, build_year

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"reports:annual-{name}", args=args)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def gappy(staff_user):
    """A report of a year without records (every figure missing) plus a marker staff typed."""
    report = services.report_create(year=YEAR, user=staff_user)
    services.report_paragraph_update(
        report=report,
        user=staff_user,
        base=1,
        key="problems.1",
        text="一是【待补充：经费缺口说明】，需要进一步论证。",
    )
    return report


def test_exporting_a_version_with_placeholders_lists_them_and_queues_nothing(
    staff_client, gappy, media
):
    response = staff_client.post(url("export", YEAR), {"format": "pdf"}, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert not ExportJob.objects.exists()
    assert "data-export-confirm" in page and "尚未提交导出" in page
    # each placeholder with its paragraph and label: the drafted ones and the one staff typed
    assert "经费缺口说明" in page and 'href="/reports/annual/2025/v2/#p-problems.1"' in page
    version = gappy.versions.get(number=2)
    drafted = [
        segment["label"]
        for paragraph in version.paragraphs.all()
        for segment in paragraph.content
        if segment.get("missing")
    ]
    assert len(drafted) > 5
    assert all(label in page for label in drafted)
    # and markers typed in the text; one line each
    assert page.count("<li>") == len(placeholders(version.paragraphs.all())) > len(drafted)
    # the confirmation pins the version it listed
    assert 'name="version" value="2"' in page and 'name="confirm" value="1"' in page


def test_confirming_queues_the_export_of_the_listed_version(
    staff_client, staff_user, gappy, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url("export", YEAR), {"format": "docx", "version": 2, "confirm": "1"}, **HTMX
        )
    assert response.status_code == 200
    job = ExportJob.objects.get()
    assert job.version.number == 2 and job.format == "docx"
    assert job.status == ExportJob.Status.DONE, job.error


def test_without_htmx_the_confirmation_is_a_page_of_its_own(staff_client, gappy, media):
    response = staff_client.post(url("export", YEAR), {"format": "docx"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "导出确认" in page and "经费缺口说明" in page and "仍然导出 v2 DOCX" in page
    assert not ExportJob.objects.exists()


def test_a_version_without_placeholders_is_queued_at_once(
    staff_client, staff_user, media, django_capture_on_commit_callbacks
):
    build_year()
    services.report_create(year=YEAR, user=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url("export", YEAR), {"format": "pdf"}, **HTMX)
    assert "data-export-confirm" not in response.content.decode()
    assert ExportJob.objects.get().status == ExportJob.Status.DONE


def test_the_approval_page_lists_the_placeholders_and_approval_waits_for_them(
    leader_client, gappy, staff_user
):
    services.report_submit(report=gappy, user=staff_user, base=2)
    page = leader_client.get(url("detail", YEAR)).content.decode()
    assert 'id="report-placeholders"' in page
    assert "经费缺口说明" in page and 'href="#p-problems.1"' in page
    assert "补充完整后才能审定" in page
    refused = leader_client.post(url("approve", YEAR, 2), {"confirm": "on"})
    assert refused.status_code == 200 and "待补充内容" in refused.content.decode()
    assert not gappy.versions.get(number=2).is_approved


def test_a_finished_report_shows_no_placeholder_list(leader_client, staff_user):
    build_year()
    services.report_create(year=YEAR, user=staff_user)
    page = leader_client.get(url("detail", YEAR)).content.decode()
    assert 'id="report-placeholders"' not in page
