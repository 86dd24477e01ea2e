"""The export guard in a browser: a draft with 【待补充】 placeholders lists them in the export
card, nothing is queued until staff confirm, and then the file is produced."""

import pytest

from tests.factories import UserFactory
from tests.reports.annual_data import YEAR

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return UserFactory(username="staff", role="staff")


def test_staff_see_the_placeholders_confirm_and_download_the_word_file(
    page, login, staff, tmp_path
):
    login("staff")
    page.goto("/reports/annual/")
    page.locator("select[name=year]").select_option(str(YEAR))
    page.get_by_role("button", name="生成报告初稿").click()  # a year without records
    page.wait_for_url(f"**/reports/annual/{YEAR}/**")
    assert page.locator("#report-placeholders li").count() > 5

    page.get_by_role("button", name="Word").click()
    confirm = page.locator("[data-export-confirm]")
    confirm.wait_for()
    assert confirm.locator("li").count() == page.locator("#report-placeholders li").count()
    assert page.get_by_role("link", name="下载").count() == 0

    page.get_by_role("button", name="仍然导出 v1 DOCX").click()
    download_link = page.get_by_role("link", name="下载").first
    download_link.wait_for(timeout=60_000)
    with page.expect_download() as info:
        download_link.click()
    path = tmp_path / "report.docx"
    info.value.save_as(path)
    assert path.read_bytes()[:2] == b"PK"
