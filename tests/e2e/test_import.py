import pytest
from openpyxl import Workbook

from enterprises.models import Enterprise
from tests.factories import TownshipFactory, UserFactory, valid_credit_code

pytestmark = pytest.mark.django_db(transaction=True)


def _workbook(path, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2026年企业名单"])  # a title row above the header, as real sheets have
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def staff(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    TownshipFactory(code="370302001", name="城关街道")
    return UserFactory(username="staff", role="staff")


def test_staff_imports_a_spreadsheet_through_the_preview(page, login, staff, tmp_path):
    header = ["统一社会信用代码", "企业名称", "乡镇（街道）"]
    bad = _workbook(
        tmp_path / "有错误.xlsx",
        [
            header,
            [valid_credit_code(1), "甲科技有限公司", "城关街道"],
            ["91350100M000100Y4Z", "乙公司", "城关街道"],
        ],
    )
    login("staff")
    page.goto("/enterprises/enterprise/")
    page.locator("a[href='/imports/enterprise/']").click()  # the 导入 button
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name="上传并预览").click()
    body = page.locator("main").inner_text()
    # the bad code sits on sheet row 4 (title, header, good row), column A
    assert "第4行\tA\t统一社会信用代码" in body and "校验位错误" in body
    assert "跳过有错误的行" in body
    assert not Enterprise.objects.exists()

    good = _workbook(
        tmp_path / "企业名单.xlsx",
        [
            header,
            [valid_credit_code(1), "甲科技有限公司", "城关街道"],
            [valid_credit_code(2), "乙科技有限公司", "城关街道"],
        ],
    )
    page.goto("/enterprises/enterprise/")
    page.locator("a[href='/imports/enterprise/']").click()  # the 导入 button
    page.locator("input[type=file]").set_input_files(str(good))
    page.get_by_role("button", name="上传并预览").click()
    assert "没有发现错误" in page.locator("main").inner_text()
    assert not Enterprise.objects.exists()  # the preview writes nothing
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_function(
        "() => document.body.innerText.includes('导入完成') || document.body.innerText.includes('已完成')"
    )
    assert sorted(Enterprise.objects.values_list("name", flat=True)) == [
        "乙科技有限公司",
        "甲科技有限公司",
    ]
