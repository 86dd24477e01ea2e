import re

import pytest

from enterprises.models import EnterpriseYearlyFigure
from tests.factories import (
    EnterpriseFactory,
    KeyVillageFactory,
    ServiceVisitFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOOKUP_DROPDOWN_MAX = 1  # search boxes with a handful of records
    return UserFactory(username="staff", role="staff")


def test_staff_finds_an_enterprise_by_typing_and_saves_its_figures(page, login, staff):
    township = TownshipFactory(code="370302001", name="城关街道")
    EnterpriseFactory.create_batch(30, township=township)
    wanted = EnterpriseFactory(name="泰山新材料有限公司", township=township)
    login("staff")
    page.goto("/enterprises/enterpriseyearlyfigure/new/")
    # the drop-down ships no enterprise; the search box beside it finds one
    assert page.locator("select[name=enterprise] option").count() == 1
    search = page.get_by_role("combobox", name=re.compile(r"^企业\*?$"))
    search.fill("新材")
    result = page.get_by_role("option", name="泰山新材料有限公司")
    result.click()
    assert page.locator("select[name=enterprise]").input_value() == str(wanted.pk)
    assert search.input_value() == f"泰山新材料有限公司（{wanted.credit_code}）"

    page.get_by_label("年度").fill("2025")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/enterprises/enterpriseyearlyfigure/*/")
    assert EnterpriseYearlyFigure.objects.get().enterprise == wanted


def test_a_keyboard_choice_in_a_filter_refreshes_the_list(page, login, staff):
    township = TownshipFactory(code="370302001", name="城关街道")
    east = KeyVillageFactory(village=VillageFactory(township=township, name="东关村"))
    west = KeyVillageFactory(village=VillageFactory(township=township, name="西关村"))
    ServiceVisitFactory(village=east, content="东关的草莓")
    ServiceVisitFactory(village=west, content="西关的苹果")
    login("staff")
    page.goto("/poverty/servicevisit/")
    assert page.locator("#results").get_by_text("西关的苹果").is_visible()
    search = page.get_by_role("combobox", name=re.compile(r"^重点村$"))
    search.fill("东关")
    page.get_by_role("option", name=str(east)).wait_for()
    search.press("ArrowDown")
    search.press("Enter")
    # the filter form refreshes the results in place and puts the filter in the address
    page.wait_for_url(f"**village={east.pk}**")
    results = page.locator("#results")
    results.get_by_text("东关的草莓").wait_for()
    assert results.get_by_text("西关的苹果").count() == 0


def test_several_members_are_chosen_by_search_and_one_removed_again(page, login, staff):
    from enterprises.models import InnovationCommunity

    township = TownshipFactory(code="370302001", name="城关街道")
    lead = EnterpriseFactory(name="泰山汽车部件有限公司", township=township)
    first = EnterpriseFactory(name="东岳轴承有限公司", township=township)
    second = EnterpriseFactory(name="东岳铸造有限公司", township=township)
    dropped = EnterpriseFactory(name="东岳模具有限公司", township=township)
    login("staff")
    page.goto("/enterprises/innovationcommunity/new/")
    page.get_by_label("共同体名称").fill("汽车零部件创新创业共同体")
    page.get_by_label("申报年度").fill("2025")
    lead_box = page.get_by_role("combobox", name=re.compile(r"^牵头企业"))
    lead_box.fill("泰山")
    page.get_by_role("option", name=lead.name).click()

    members = page.get_by_role("combobox", name=re.compile(r"^成员企业"))
    for enterprise in (first, dropped, second):
        members.fill(enterprise.name[2:4])
        page.get_by_role("option", name=enterprise.name).click()
        assert members.input_value() == ""  # ready for the next one
    page.get_by_role("button", name=f"移除 {dropped.lookup_text}").click()
    chosen = page.locator("select[name=member_enterprises]").evaluate(
        "select => Array.from(select.selectedOptions).map(option => option.text)"
    )
    assert chosen == [first.lookup_text, second.lookup_text]

    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/enterprises/innovationcommunity/*/")
    community = InnovationCommunity.objects.get()
    assert community.lead_enterprise == lead
    assert set(community.member_enterprises.all()) == {first, second}


def test_a_short_multi_select_is_searched_in_the_page_and_saves_every_choice(page, login, db):
    """The 科技特派员 of a service visit: a few commissioners stay in the page (no lookup), and
    the same search box and chips replace the bare multi-select that needed Ctrl-click."""
    from poverty.models import ServiceVisit
    from tests.factories import CommissionerFactory

    UserFactory(username="staff", role="staff")
    township = TownshipFactory(code="370302001", name="城关街道")
    village = KeyVillageFactory(village=VillageFactory(township=township, name="东关村"))
    wang = CommissionerFactory(name="王建国")
    li = CommissionerFactory(name="李秀英")
    CommissionerFactory(name="张伟")
    login("staff")
    page.goto("/poverty/servicevisit/new/")
    select = page.locator("select[name=commissioners]")
    assert select.is_hidden() and select.locator("option").count() == 3
    search = page.get_by_role("combobox", name=re.compile(r"^科技特派员\*?$"))
    search.fill("建国")
    results = page.locator("#id_commissioners_results")
    results.get_by_role("option", name="王建国").wait_for()
    assert results.get_by_role("option").all_inner_texts() == ["王建国"]
    results.get_by_role("option", name="王建国").click()
    search.fill("秀")
    results.get_by_role("option", name="李秀英").click()
    chips = page.locator(".lookup-chips .badge")
    assert chips.all_inner_texts() == ["李秀英", "王建国"]  # the select's (pinyin) order

    page.locator("select[name=village]").select_option(str(village.pk))  # a plain drop-down
    page.get_by_label("日期").fill("2025-03-02")
    page.get_by_label("服务方式").select_option(label="技术培训")
    page.get_by_label("服务内容").fill("苹果栽培技术")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/poverty/servicevisit/*/")
    assert set(ServiceVisit.objects.get().commissioners.all()) == {wang, li}
