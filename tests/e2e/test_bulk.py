"""In Chromium: tick rows of a list, 批量修改 a status, preview, confirm, and read the change in
each record's history; the page's tick and "select all matching" as a user meets them."""

import pytest

from enterprises.models import HiTechApplication
from tests.factories import HiTechApplicationFactory, TownshipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return UserFactory(username="staff", role="staff")


def test_staff_tick_rows_bulk_edit_a_status_and_see_the_history(page, login, staff):
    township = TownshipFactory(code="370302001", name="城关街道")
    chosen = HiTechApplicationFactory.create_batch(2, enterprise__township=township, year=2025)
    left = HiTechApplicationFactory(enterprise__township=township, year=2025)
    login("staff")
    page.goto("/enterprises/hitechapplication/?sort=pk")
    buttons = page.locator("[data-bulk-button]")
    assert buttons.first.is_disabled()  # nothing ticked yet
    for record in chosen:
        page.locator(f'input[name="pk"][value="{record.pk}"]').check()
    assert page.locator("[data-bulk-count]").inner_text() == "已选 2 条"
    page.get_by_role("button", name="批量修改").click()

    page.get_by_label("修改状态").check()
    page.locator("select#id_status").select_option(HiTechApplication.Status.PUBLICITY)
    page.get_by_role("button", name="预览修改").click()
    assert "确认批量修改" in page.content()
    assert page.locator(".bulk-preview tbody tr").count() == 2
    page.get_by_role("button", name="确认修改 2 条").click()
    page.wait_for_url("**/enterprises/hitechapplication/**")
    assert "已批量修改2条记录" in page.content()

    for record in chosen:
        record.refresh_from_db()
        assert record.status == HiTechApplication.Status.PUBLICITY
    left.refresh_from_db()
    assert left.status == HiTechApplication.Status.APPLIED

    page.goto(chosen[0].get_absolute_url())
    history = page.locator(".history").inner_text()
    assert "批量修改：状态" in history and "已申报 → 公示" in history


def test_the_page_tick_offers_every_matching_record(page, login, staff, settings):
    township = TownshipFactory(code="370302001", name="城关街道")
    HiTechApplicationFactory.create_batch(27, enterprise__township=township)  # two pages of 25
    login("staff")
    page.goto("/enterprises/hitechapplication/")
    page.locator("[data-bulk-page]").check()
    assert page.locator("[data-bulk-count]").inner_text() == "已选 25 条"
    offer = page.locator("[data-bulk-all-wrap]")
    assert offer.is_visible() and "27" in offer.inner_text()
    page.locator("[data-bulk-all]").check()
    assert page.locator("[data-bulk-count]").inner_text() == "已选全部 27 条"
    page.get_by_role("button", name="批量删除").click()
    assert "将删除 27 条" in page.content()
    page.get_by_role("button", name="确认删除 27 条").click()
    page.wait_for_url("**/enterprises/hitechapplication/**")
    assert not HiTechApplication.objects.exists()
