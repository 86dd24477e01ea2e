import pytest

from enterprises.models import Enterprise
from tests.factories import TownshipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return UserFactory(username="staff", role="staff")


def test_staff_logs_in_and_sees_the_chinese_portal(page, login, staff):
    login("staff")
    assert page.locator(".sidebar").get_by_text("创新主体").is_visible()
    assert "退出登录" in page.content()


def test_wrong_credit_code_shows_the_chinese_error(page, login, staff):
    township = TownshipFactory(code="370302001", name="城关街道")
    login("staff")
    page.goto("/enterprises/enterprise/new/")
    page.get_by_label("统一社会信用代码").fill("91350100M000100Y4Z")
    page.get_by_label("企业名称").fill("错误代码科技有限公司")
    page.get_by_label("乡镇（街道）").select_option(str(township.pk))
    page.get_by_role("button", name="保存").click()
    error = page.locator(".invalid-feedback, .errorlist").first
    assert "校验位错误" in error.inner_text()
    assert not Enterprise.objects.exists()

    page.get_by_label("统一社会信用代码").fill("91350100M000100Y43")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/enterprises/enterprise/*/")
    assert "已保存" in page.content()
    assert Enterprise.objects.get().credit_code == "91350100M000100Y43"
