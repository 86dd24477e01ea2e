"""Technology poverty aid: key villages, commissioners, service visits, agri-tech stations, demo
bases and achievements, each declared once (``portal.entities``): pages, API, sidebar,
Excel / CSV columns (see ``imports/README.md``)."""

from django.utils.translation import gettext_lazy as _

from bureau.models import Village
from portal.entities import Column, Entity, Extra, Lookup, Nav, Query, Sheet
from poverty import models, selectors

VILLAGE_ALIASES = ("村", "村名", "所在村", "所在重点村", "重点村", "服务村", "应用重点村")

# A key village by its 12-digit code, ``乡镇名村名`` as displayed, or a village name that is
# unique in the district.
BY_KEY_VILLAGE = Lookup(
    models.KeyVillage,
    keys=("village__code", "__str__", "village__name"),
    render_key="__str__",
    related=("village__township",),
)

KEY_VILLAGE = Entity(
    models.KeyVillage,
    fields=["village", "designated_year", "households", "is_active", "note"],
    bulk_fields=["designated_year", "is_active"],
    list_columns=["village", "designated_year", "households", "is_active"],
    list_select_related=["village__township"],
    filter_fields={
        "designated_year": ["exact", "lte"],
        "is_active": ["exact"],
        "village__township": ["exact"],
    },
    search_fields=["village__name", "village__code"],
    detail_related=[
        ("visits", _("服务记录")),
        ("stations", _("农科驿站")),
        ("demo_bases", _("示范基地")),
    ],
    nav=Nav("poverty", _("重点村"), order=10),
    sheet=Sheet(
        natural_key=("village",),
        columns={
            "village": Column(
                aliases=("区划代码", "村代码", "村编码"),
                header=_("村级区划代码"),
                cell=Lookup(Village, keys=("code", "name"), related=("township",)),
            ),
            "designated_year": Column(aliases=("确定时间", "认定年度", "年度")),
            "households": Column(aliases=("帮扶户", "贫困户数", "户数")),
            "is_active": Column(aliases=("是否在帮扶", "帮扶中")),
        },
        extra=[
            Extra(
                "village_name",
                "village__name",
                _("村"),
                after="village",
                aliases=VILLAGE_ALIASES,
                fallback_for="village",
            ),
            Extra("township_name", "village__township__name", _("乡镇（街道）"), after="village"),
        ],
        example={
            "village": "370302001001",
            "village_name": "东关社区",
            "township_name": "城关街道",
            "designated_year": "2020",
            "households": "36",
            "is_active": "是",
            "note": "",
        },
    ),
    queries={
        "unvisited": Query(
            _("久未服务"),
            selectors.villages_unvisited,
            tuple((str(d), _("%(d)s天以上未服务") % {"d": d}) for d in (30, 60, 90, 180)),
        ),
    },
)

COMMISSIONER = Entity(
    models.Commissioner,
    fields=["name", "sending_unit", "specialty", "phone", "is_active"],
    bulk_fields=["sending_unit", "is_active"],
    list_columns=["name", "sending_unit", "specialty", "phone", "is_active"],
    filter_fields=["is_active", "sending_unit"],
    search_fields=["name", "sending_unit", "specialty"],
    detail_related=[("visits", _("服务记录"))],
    nav=Nav("poverty", _("科技特派员"), order=20),
    sheet=Sheet(
        natural_key=("phone",),
        columns={
            "name": Column(aliases=("特派员", "特派员姓名", "科技特派员")),
            "sending_unit": Column(aliases=("派出单位名称", "工作单位", "单位")),
            "specialty": Column(aliases=("专业", "专业领域", "特长")),
            "phone": Column(aliases=("电话", "手机", "手机号码", "联系方式")),
            "is_active": Column(aliases=("是否在岗",)),
        },
        example={
            "name": "李明",
            "sending_unit": "区农业农村局",
            "specialty": "果树栽培",
            "phone": "13900001111",
            "is_active": "是",
        },
    ),
)

SERVICE_VISIT = Entity(
    models.ServiceVisit,
    fields=["date", "village", "commissioners", "mode", "content", "farmers_trained"],
    bulk_fields=["date", "mode"],
    list_columns=["date", "village", "mode", "content", "farmers_trained"],
    list_select_related=["village__village__township"],
    filter_fields={
        "mode": ["exact"],
        "village": ["exact"],
        "village__village__township": ["exact"],
        "date": ["year", "month"],
    },
    search_fields=["content", "village__village__name", "commissioners__name"],
    nav=Nav("poverty", _("服务记录"), order=30),
    sheet=Sheet(
        natural_key=("date", "village", "content"),
        columns={
            "date": Column(aliases=("服务日期", "时间")),
            "village": Column(aliases=VILLAGE_ALIASES, cell=BY_KEY_VILLAGE),
            "commissioners": Column(
                aliases=("特派员", "服务人员"),
                cell=Lookup(models.Commissioner, keys=("phone", "name"), render_key="name"),
            ),
            "mode": Column(aliases=("方式", "服务形式")),
            "content": Column(aliases=("内容", "服务事项")),
            "farmers_trained": Column(aliases=("培训农民", "培训人次", "培训农民人次")),
        },
        example={
            "date": "2025-06-01",
            "village": "城关街道东关社区",
            "commissioners": "李明、王芳",
            "mode": "现场指导",
            "content": "草莓种植技术指导",
            "farmers_trained": "12",
        },
        year_lookup="date__year",
        row_by_row=True,
    ),
)

AGRI_STATION = Entity(
    models.AgriStation,
    fields=["name", "village", "host", "built_on"],
    bulk_fields=["host"],
    list_columns=["name", "village", "host", "built_on"],
    list_select_related=["village__village__township"],
    filter_fields={"village__village__township": ["exact"], "built_on": ["year"]},
    search_fields=["name", "host"],
    nav=Nav("poverty", _("农科驿站"), order=40),
    sheet=Sheet(
        natural_key=("name",),
        columns={
            "name": Column(aliases=("名称", "驿站")),
            "village": Column(aliases=VILLAGE_ALIASES, cell=BY_KEY_VILLAGE),
            "host": Column(aliases=("依托单位", "运营主体")),
            "built_on": Column(aliases=("建成时间", "建立日期")),
        },
        example={
            "name": "东关社区农科驿站",
            "village": "城关街道东关社区",
            "host": "某某种植专业合作社",
            "built_on": "2025-05-01",
        },
        year_lookup="built_on__year",
    ),
)

DEMO_BASE = Entity(
    models.DemoBase,
    fields=["name", "village", "operator", "year", "status"],
    bulk_fields=["year", "status"],
    list_columns=["name", "village", "operator", "year", "status"],
    list_select_related=["village__village__township"],
    filter_fields=["year", "status", "village__village__township"],
    search_fields=["name", "operator"],
    nav=Nav("poverty", _("示范基地与成果"), order=50),
    sheet=Sheet(
        natural_key=("name", "year"),
        columns={
            "name": Column(aliases=("名称", "示范基地")),
            "village": Column(aliases=VILLAGE_ALIASES, cell=BY_KEY_VILLAGE),
            "operator": Column(aliases=("运营单位", "依托单位")),
            "year": Column(aliases=("年份",)),
            "status": Column(aliases=("结果",)),
        },
        example={
            "name": "东关草莓科技扶贫示范基地",
            "village": "城关街道东关社区",
            "operator": "某某现代农业有限公司",
            "year": "2025",
            "status": "已入选",
        },
        year_lookup="year",
    ),
)

ACHIEVEMENT = Entity(
    models.Achievement,
    fields=["title", "holder", "village", "year", "status"],
    bulk_fields=["year", "status"],
    list_columns=["title", "holder", "village", "year", "status"],
    list_select_related=["village__village__township"],
    filter_fields=["year", "status"],
    search_fields=["title", "holder"],
    nav=Nav("poverty", _("科技扶贫科技成果"), order=60),
    sheet=Sheet(
        natural_key=("title", "year"),
        columns={
            "title": Column(aliases=("名称", "成果", "科技成果名称")),
            "holder": Column(aliases=("完成人（单位）", "成果完成单位")),
            "village": Column(aliases=VILLAGE_ALIASES, cell=BY_KEY_VILLAGE),
            "year": Column(aliases=("年份",)),
            "status": Column(aliases=("结果",)),
        },
        example={
            "title": "设施草莓绿色高效栽培技术",
            "holder": "区农业技术推广中心",
            "village": "城关街道东关社区",
            "year": "2025",
            "status": "已入选",
        },
        year_lookup="year",
    ),
)

ENTITIES = [
    KEY_VILLAGE,
    COMMISSIONER,
    SERVICE_VISIT,
    AGRI_STATION,
    DEMO_BASE,
    ACHIEVEMENT,
]
