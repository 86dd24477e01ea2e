"""The report's pages by persona: staff edit, leaders read and approve, liaisons and accounts
without a role never see the district report."""

import pytest
from django.urls import reverse

from reports.annual import services
from reports.models import ExportJob
from tests.reports.annual_data import YEAR, build_year

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
EDIT_LINK = f'hx-get="/reports/annual/{YEAR}/paragraphs/'


@pytest.fixture
def report(staff_user):
    build_year()
    return services.report_create(year=YEAR, user=staff_user)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def url(name, *args):
    return reverse(f"reports:annual-{name}", args=args)


def read_urls(report):
    return [
        url("list"),
        url("detail", YEAR),
        url("preview", YEAR),
        url("versions", YEAR),
        url("version", YEAR, 1),
        url("exports", YEAR),
    ]


@pytest.mark.parametrize("persona", ["liaison_user", "outsider_user"])
def test_liaisons_and_accounts_without_a_role_are_refused_everywhere_in_chinese(
    persona, request, client_for, report, media
):
    job = services.export_job_create(version=report.versions.get(), fmt="pdf", user=None)
    client = client_for(request.getfixturevalue(persona))
    for address in [*read_urls(report), url("export-download", YEAR, job.pk)]:
        response = client.get(address)
        assert response.status_code == 403, address
        assert (
            "没有权限" in response.content.decode()
            and "年度工作报告只对" in response.content.decode()
        )
    for address in (
        url("create"),
        url("refresh", YEAR),
        url("approve", YEAR, 1),
        url("paragraph", YEAR, "problems.1"),
        url("export", YEAR),
    ):
        assert client.post(address, {"year": YEAR, "text": "x", "base": 1}).status_code == 403


@pytest.mark.parametrize("persona", ["admin_user", "staff_user", "leader_user"])
def test_staff_administrators_and_leaders_read_the_report(persona, request, client_for, report):
    client = client_for(request.getfixturevalue(persona))
    for address in read_urls(report):
        assert client.get(address).status_code == 200, address


def test_staff_create_a_report_from_the_list(staff_client):
    build_year()
    response = staff_client.post(url("create"), {"year": YEAR})
    assert response.status_code == 302
    page = staff_client.get(response["Location"])
    assert "区科技局2025年度工作报告" in page.content.decode()
    assert staff_client.post(url("create"), {"year": YEAR}).status_code == 302  # existing


def test_staff_edit_a_paragraph_in_place(staff_client, report):
    detail = staff_client.get(url("detail", YEAR)).content.decode()
    assert EDIT_LINK in detail
    # Paragraph keys hold dots ("work.1.3.body"): an "#p-work.1.3.body" target would be read
    # as classes by htmx's selector and silently do nothing.
    assert 'hx-target="#p-' not in detail
    form = staff_client.get(url("paragraph", YEAR, "work.1.3.body"), **HTMX)
    assert form.status_code == 200 and "<textarea" in form.content.decode()
    response = staff_client.post(
        url("paragraph", YEAR, "work.1.3.body"),
        {"base": 1, "text": "开展研发投入业务培训2次，成效明显。"},
        **HTMX,
    )
    html = response.content.decode()
    assert "成效明显" in html and 'hx-swap-oob="true"' in html and "v2" in html
    # The untouched figure still links to the records behind it.
    assert 'class="report-figure" href="/bureau/workactivity/' in html


def test_a_stale_edit_shows_the_conflict_in_the_form(staff_client, report, staff_user):
    services.report_paragraph_update(
        report=report, user=staff_user, base=1, key="problems.1", text="先保存的修改。"
    )
    response = staff_client.post(
        url("paragraph", YEAR, "problems.2"), {"base": 1, "text": "后保存的修改。"}, **HTMX
    )
    assert "请刷新页面后再修改" in response.content.decode()


def test_plans_offer_next_years_targets(staff_client, report):
    form = staff_client.get(url("paragraph", YEAR, "plans.2.body"), **HTMX).content.decode()
    assert 'name="insert_target" value="sme_registered"' in form
    response = staff_client.post(
        url("paragraph", YEAR, "plans.2.body"),
        {"base": 1, "text": "继续做好入库评价。", "insert_target": "sme_registered"},
        **HTMX,
    )
    assert "继续做好入库评价。2026年科技型中小企业评价入库目标为5家。" in response.content.decode()


def test_the_preview_links_every_figure_to_its_records(leader_client, report):
    html = leader_client.get(url("preview", YEAR)).content.decode()
    assert 'href="/enterprises/smeevaluation/?year=2025&amp;status=registered"' in html
    assert "33.33" in html


def test_leaders_neither_edit_nor_refresh(leader_client, report):
    detail = leader_client.get(url("detail", YEAR)).content.decode()
    assert EDIT_LINK not in detail
    assert leader_client.get(url("paragraph", YEAR, "problems.1"), **HTMX).status_code == 403
    assert (
        leader_client.post(
            url("paragraph", YEAR, "problems.1"), {"base": 1, "text": "改"}
        ).status_code
        == 403
    )
    assert leader_client.post(url("refresh", YEAR)).status_code == 403


def test_a_leader_approves_and_the_version_becomes_read_only(leader_client, staff_client, report):
    staff_client.post(url("submit", YEAR), {"base": 1})
    response = leader_client.post(url("approve", YEAR, 1), {"confirm": "on"})
    assert response.status_code == 302
    assert report.versions.get().approved_by.username == "leader"
    detail = staff_client.get(url("detail", YEAR)).content.decode()
    assert "新建修订稿" in detail and EDIT_LINK not in detail
    denied = staff_client.post(url("paragraph", YEAR, "problems.1"), {"base": 1, "text": "改"})
    assert denied.status_code == 403
    assert staff_client.post(url("approve", YEAR, 1)).status_code == 403


def test_export_is_queued_listed_and_downloaded(
    staff_client, leader_client, report, media, staff_user, django_capture_on_commit_callbacks
):
    # Edited in place since the page was drawn: the editor's export takes the latest version.
    services.report_paragraph_update(
        report=report, user=staff_user, base=1, key="problems.1", text="一是改过的问题。"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url("export", YEAR), {"format": "docx"}, **HTMX)
    assert response.status_code == 200
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.version.number == 2
    listing = staff_client.get(url("exports", YEAR)).content.decode()
    assert "已完成" in listing and "v2 · DOCX" in listing and "KB" in listing
    download = leader_client.get(url("export-download", YEAR, job.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"
    assert "2025" in download["Content-Disposition"]


def test_the_jobs_panel_polls_only_while_a_job_is_pending(staff_client, report):
    services.export_job_create(version=report.versions.get(), fmt="pdf", user=None)
    assert 'hx-trigger="every 2s"' in staff_client.get(url("exports", YEAR)).content.decode()
    ExportJob.objects.update(status=ExportJob.Status.FAILED, error="测试")
    listing = staff_client.get(url("exports", YEAR)).content.decode()
    assert "every 2s" not in listing and "失败原因：测试" in listing and "重试" in listing
