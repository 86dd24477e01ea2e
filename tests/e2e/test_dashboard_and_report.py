import pytest

from tests.factories import UserFactory
from tests.reports.annual_data import YEAR, build_year

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def year_of_records(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    UserFactory(username="staff", role="staff")
    UserFactory(username="leader", role="leader")
    return build_year(YEAR)


def test_leader_opens_the_dashboard_and_sees_its_charts_drawn(page, login, year_of_records):
    login("leader")
    page.goto(f"/reports/?year={YEAR}")
    charts = page.locator(".dash-chart")
    assert charts.count() >= 5
    # ECharts draws into a canvas inside each container once the data is read.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.dash-chart')].every(c => c.querySelector('canvas'))"
    )
    width = page.evaluate("() => document.querySelector('.dash-chart canvas').width")
    assert width > 100


def test_staff_generates_the_annual_report_and_downloads_the_pdf(
    page, login, year_of_records, tmp_path
):
    login("staff")
    page.goto("/reports/annual/")
    page.locator("select[name=year]").select_option(str(YEAR))
    page.get_by_role("button", name="生成报告初稿").click()
    page.wait_for_url(f"**/reports/annual/{YEAR}/**")
    assert "主要工作开展情况" in page.content()

    page.get_by_role("button", name="导出 PDF").click()
    download_link = page.get_by_role("link", name="下载").first
    download_link.wait_for(timeout=60_000)
    with page.expect_download() as info:
        download_link.click()
    path = tmp_path / "report.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000


def test_after_an_inline_save_the_submit_button_names_the_new_version_and_submits_it(
    page, login, year_of_records
):
    from reports.annual import services  # noqa: PLC0415
    from reports.models import AnnualReport  # noqa: PLC0415

    services.report_create(year=YEAR, user=None)
    login("staff")
    page.goto(f"/reports/annual/{YEAR}/")
    assert page.locator("#report-submit button").inner_text().strip() == "提交审定 v1"
    paragraph = page.locator("#p-problems\\.1")
    paragraph.hover()  # the paragraph's tools show on hover
    paragraph.get_by_role("link", name="编辑").click()
    page.locator("#p-problems\\.1 textarea").fill("一是就地修改的问题。")
    page.locator("#p-problems\\.1").get_by_role("button", name="保存").click()
    page.locator("#p-problems\\.1 .report-text").get_by_text("一是就地修改的问题。").wait_for()
    button = page.locator("#report-submit button")
    assert button.inner_text().strip() == "提交审定 v2"
    button.click()
    page.get_by_text("v2 已提交审定").first.wait_for()
    review = AnnualReport.objects.get(year=YEAR).reviews.get()
    assert review.version.number == 2
