"""Entities are declared once (``<app>/entities.py``): the sidebar, the pages and the API follow
the declarations, and a declaration that names what its model does not have is refused."""

from dataclasses import replace

import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from bureau import indicator_keys
from bureau.models import AnnualTarget
from enterprises.entities import ENTERPRISE
from portal import navigation, registry
from portal.context_processors import navigation as sidebar_for
from portal.crud import CrudViewSet

# The sidebar as released: its groups, labels and order are what people find their way by. No
# link leads to Django's English admin: users are managed on the portal's own Chinese pages.
ADMIN_SIDEBAR = [
    ("统计与报告", ["工作台", "工作仪表盘", "领导驾驶舱", "年度工作报告", "导入记录"]),
    (
        "创新主体",
        ["企业", "企业年度指标", "高企申报", "科小评价", "知识产权", "技术合同", "创新创业共同体"],
    ),
    ("培育库", ["后备科小", "后备高企", "高企待重新认定"]),
    ("科技人才", ["人才工程项目", "外国专家与工作许可", "外国专家", "引智项目"]),
    ("创新载体", ["创新平台", "研发机构全覆盖", "全覆盖工作节点"]),
    (
        "科技扶贫",
        ["重点村", "科技特派员", "服务记录", "农科驿站", "示范基地与成果", "科技扶贫科技成果"],
    ),
    ("惠企政策", ["惠企政策", "兑现记录", "应兑未兑", "研发费用加计扣除", "创新券"]),
    ("工作台账", ["工作活动", "年度目标", "外部数据"]),
    (
        "系统管理",
        [
            "单位信息",
            "乡镇（街道）",
            "村（社区）",
            "部门",
            "产业",
            "用户管理",
            "回收站",
        ],
    ),
]


def _sidebar(user):
    request = RequestFactory().get("/")
    request.user = user
    return [
        (str(group["title"]), [str(link["label"]) for link in group["links"]])
        for group in sidebar_for(request)["sidebar"]
    ]


@pytest.mark.django_db
def test_the_sidebar_reads_as_released(admin_user, staff_user):
    assert _sidebar(admin_user) == ADMIN_SIDEBAR
    assert _sidebar(staff_user) == ADMIN_SIDEBAR[:-1]


def test_every_entity_with_a_nav_entry_links_its_list_in_the_sidebar():
    placed = {link.url_name: group.key for group, links in navigation.sidebar() for link in links}
    for viewset in registry.viewsets():
        nav = viewset.declaration.nav
        if nav is not None:
            assert placed[viewset.url_name("list")] == nav.group


def test_a_link_to_a_group_that_does_not_exist_is_refused(monkeypatch):
    stray = navigation.Link("nowhere", 10, "迷路", "reports:dashboard")
    monkeypatch.setattr(navigation, "LINKS", (*navigation.LINKS, stray))
    with pytest.raises(ImproperlyConfigured, match="nowhere"):
        navigation.sidebar()


def test_two_links_in_one_place_are_refused(monkeypatch):
    twin = navigation.Link("reports", 10, "重复", "reports:dashboard-screen")
    monkeypatch.setattr(navigation, "LINKS", (*navigation.LINKS, twin))
    with pytest.raises(ImproperlyConfigured, match="share a group and an order"):
        navigation.sidebar()


def test_a_declaration_naming_a_field_its_model_lacks_is_refused():
    with pytest.raises(ImproperlyConfigured, match="nickname"):
        registry.check(replace(ENTERPRISE, fields=[*ENTERPRISE.fields, "nickname"]))


def test_an_example_cell_for_a_column_the_files_lack_is_refused():
    sheet = replace(ENTERPRISE.sheet, example={**ENTERPRISE.sheet.example, "nickname": "x"})
    with pytest.raises(ImproperlyConfigured, match="example row names nickname"):
        registry.check(replace(ENTERPRISE, sheet=sheet))


def test_an_entity_declared_without_the_api_is_not_served(monkeypatch):
    hidden = CrudViewSet(replace(ENTERPRISE, api=False))
    monkeypatch.setattr(registry, "viewsets", lambda: (hidden,))
    assert registry.api_viewsets() == []


def test_declared_choices_make_a_text_field_a_drop_down_of_registry_keys():
    field = registry.viewset_for(AnnualTarget).form.base_fields["indicator"]
    assert isinstance(field, forms.ChoiceField)
    assert list(field.choices) == list(indicator_keys.target_choices())
    assert field.label == AnnualTarget._meta.get_field("indicator").verbose_name
