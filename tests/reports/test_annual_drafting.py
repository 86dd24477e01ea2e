"""Drafting paragraphs from templates and figures, without the database: a small fake set of
figures stands in for the registry."""

import re
from decimal import Decimal

from reports.annual.drafting import DraftContext, Figure, fill, resegment, segments_text
from reports.annual.outline import OUTLINE, PLACEHOLDER_KEYS, USED_INDICATOR_KEYS
from reports.indicators import REGISTRY


def context(**figures) -> DraftContext:
    return DraftContext(
        year=2025,
        district="青河区",
        figures={
            key: Figure(key=key, label=f"标签{key}", url=f"/records/{key}/", **data)
            for key, data in figures.items()
        },
        targets={},
    )


def test_a_figure_without_data_is_marked_visibly_never_zero():
    segments = fill("组织{hitech_applications}家企业申报高新技术企业。", context())
    assert segments_text(segments) == "组织【待补充：hitech_applications】家企业申报高新技术企业。"
    assert segments[1]["missing"] is True

    none = fill("比重{share:.2f}%", context(share={"value": None}))
    assert "【待补充：标签share】" in segments_text(none)
    assert "0" not in segments_text(none)


def test_a_figure_links_to_its_records_and_is_formatted():
    segments = fill(
        "登记额{amount:.2f}亿元，{count}项",
        context(amount={"value": Decimal("1.5")}, count={"value": 3}),
    )
    assert segments_text(segments) == "登记额1.50亿元，3项"
    figure = segments[1]
    assert figure == {
        "text": "1.50",
        "key": "amount",
        "label": "标签amount",
        "url": "/records/amount/",
    }


def test_names_are_listed_and_nobody_is_named_when_nothing_happened():
    spaces = context(spaces={"value": 2, "names": ["正泰科创众创空间", "通享文化众创空间"]})
    assert segments_text(fill("{spaces|names}", spaces)) == "正泰科创众创空间、通享文化众创空间"
    assert segments_text(fill("我区{spaces|names}在列", context(spaces={"value": 0}))) == "我区在列"
    missing = fill("{spaces|names}", context(spaces={"value": None}))
    assert missing[0]["missing"]


def test_breakdown_and_next_year_target_fill_in():
    ctx = context(rate={"value": 80, "unit": "%", "breakdown": {"城关街道": 100, "东山镇": 60}})
    assert segments_text(fill("{rate|breakdown}", ctx)) == "城关街道100%、东山镇60%"
    ctx.targets["sme_registered"] = Figure(key="sme_registered", label="入库", value=Decimal("12"))
    assert segments_text(fill("完成{@sme_registered}家", ctx)) == "完成12家"
    absent = fill("不低于{@new_platforms}家", ctx)
    assert segments_text(absent) == "不低于【待补充：2026年目标：new_platforms】家"
    # A figure the registry knows is named by its label, never by its key.
    ctx.figures["new_platforms"] = Figure(key="new_platforms", label="新增市级以上创新平台")
    named = fill("不低于{@new_platforms}家", ctx)
    assert segments_text(named) == "不低于【待补充：2026年目标：新增市级以上创新平台】家"


def test_an_edit_keeps_the_links_of_figures_it_left_untouched():
    old = [
        {"text": "组织"},
        {"text": "12", "key": "a", "url": "/a/"},
        {"text": "家企业，完成"},
        {"text": "3", "key": "b", "url": "/b/"},
        {"text": "项。"},
    ]
    new = resegment(old, "今年共组织12家企业，完成4项。")
    assert segments_text(new) == "今年共组织12家企业，完成4项。"
    linked = [segment for segment in new if segment.get("key")]
    assert linked == [{"text": "12", "key": "a", "url": "/a/"}]


def test_the_outline_follows_the_sample():
    titled = context()
    titled.extra["bureau_short_name"] = "青河区科技局"
    assert segments_text(OUTLINE[0].draft(titled)) == "青河区科技局2025年度工作报告"
    headings = [slot.template for slot in OUTLINE if slot.kind in ("h1", "h2")]
    assert headings[:5] == [
        "一、主要工作开展情况",
        "（一）积极培育创新主体",
        "（二）做好科技人才工作",
        "（三）强化创新创业载体建设",
        "（四）大力开展科技扶贫",
    ]
    assert "二、存在的主要问题" in headings and "三、下一步工作计划" in headings
    # Not a single X of the sample is left in the outline's own words.
    for slot in OUTLINE:
        if isinstance(slot.template, str):
            assert not re.search(r"(?<![A-Za-z])X+(?![A-Za-z])", slot.template), slot.key


def test_every_figure_the_outline_reads_exists_in_the_registry():
    assert PLACEHOLDER_KEYS <= USED_INDICATOR_KEYS
    assert USED_INDICATOR_KEYS <= set(REGISTRY)


def test_a_draft_from_fake_figures_has_every_figure_or_a_marker():
    figures = {key: {"value": 7, "names": ["甲公司"]} for key in USED_INDICATOR_KEYS}
    ctx = context(**figures)
    for slot in OUTLINE:
        text = segments_text(slot.draft(ctx))
        # Only the second paragraph of problems may be empty: the figures show one or none.
        assert text or slot.key == "problems.2", slot.key
        assert "{" not in text and "}" not in text, slot.key
        assert not re.search(r"(?<![A-Za-z])X+(?![A-Za-z])", text), slot.key
