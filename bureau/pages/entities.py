"""The bureau's own records, each declared once (``portal.entities``): the reference data
administrators keep (townships, villages, departments, industries, annual targets) and the work
ledger (activities, external figures). Pages, API, sidebar, Excel / CSV columns (see
``imports/README.md``)."""

from django.utils.translation import gettext_lazy as _

from bureau import indicator_keys, models
from portal.entities import BY_TOWNSHIP, TOWNSHIP_ALIASES, Column, Entity, Nav, Sheet

TOWNSHIP = Entity(
    models.Township,
    fields=["code", "name"],
    list_columns=["code", "name"],
    search_fields=["code", "name"],
    admin_only=True,
    detail_related=[
        ("villages", _("村（社区）")),
        ("enterprises", _("企业")),
        ("departments", _("帮包部门")),
    ],
    nav=Nav("admin", _("乡镇（街道）"), order=20),
    sheet=Sheet(
        natural_key=("code",),
        columns={
            "code": Column(aliases=("代码", "行政区划代码", "区划编码", "编码")),
            "name": Column(
                aliases=("乡镇（街道）", "乡镇", "街道", "乡镇名称", "乡镇（街道）名称")
            ),
        },
        example={"code": "370302001", "name": "城关街道"},
    ),
)

VILLAGE = Entity(
    models.Village,
    fields=["township", "code", "name"],
    bulk_fields=["township"],
    list_columns=["name", "code", "township"],
    filter_fields=["township"],
    search_fields=["code", "name"],
    admin_only=True,
    nav=Nav("admin", _("村（社区）"), order=30),
    sheet=Sheet(
        natural_key=("code",),
        columns={
            "township": Column(aliases=TOWNSHIP_ALIASES, cell=BY_TOWNSHIP),
            "code": Column(aliases=("村级区划代码", "代码", "编码")),
            "name": Column(aliases=("村", "村名", "村（社区）", "村名称", "社区")),
        },
        example={"township": "城关街道", "code": "370302001001", "name": "东关社区"},
    ),
)

DEPARTMENT = Entity(
    models.Department,
    fields=["name", "townships"],
    list_columns=["name"],
    search_fields=["name"],
    admin_only=True,
    nav=Nav("admin", _("部门"), order=40),
    sheet=Sheet(
        natural_key=("name",),
        columns={
            "name": Column(aliases=("部门", "部门名称", "单位")),
            "townships": Column(
                aliases=("帮包乡镇", "帮包乡镇街道"),
                cell=BY_TOWNSHIP,
            ),
        },
        example={"name": "区工业和信息化局", "townships": "城关街道、东山镇"},
        row_by_row=True,
    ),
)

INDUSTRY = Entity(
    models.Industry,
    fields=["name", "is_key_chain"],
    bulk_fields=["is_key_chain"],
    list_columns=["name", "is_key_chain"],
    filter_fields=["is_key_chain"],
    search_fields=["name"],
    admin_only=True,
    nav=Nav("admin", _("产业"), order=50),
    sheet=Sheet(
        natural_key=("name",),
        columns={
            "name": Column(aliases=("产业", "产业名称", "产业链")),
            "is_key_chain": Column(aliases=("是否重点产业链",)),
        },
        example={"name": "铝电", "is_key_chain": "是"},
    ),
)

ANNUAL_TARGET = Entity(
    models.AnnualTarget,
    fields=["year", "indicator", "value", "note"],
    bulk_fields=["year"],
    list_columns=["year", "indicator", "value", "note"],
    filter_fields=["year"],
    search_fields=["indicator", "note"],
    choices={"indicator": indicator_keys.target_choices},
    admin_only=True,
    nav=Nav("ledger", _("年度目标"), order=20),
    sheet=Sheet(
        natural_key=("year", "indicator"),
        columns={
            "indicator": Column(aliases=("指标名称", "目标指标")),
            "value": Column(aliases=("目标", "目标值（数值）")),
        },
        example={"year": "2025", "indicator": "hitech_applications", "value": "20", "note": ""},
        year_lookup="year",
    ),
)

WORK_ACTIVITY = Entity(
    models.WorkActivity,
    fields=["date", "kind", "topic", "township", "participants", "organiser", "note"],
    bulk_fields=["kind", "township"],
    list_columns=["date", "kind", "topic", "township", "participants"],
    filter_fields={"kind": ["exact"], "township": ["exact"], "date": ["year", "month"]},
    search_fields=["topic", "organiser", "note"],
    nav=Nav("ledger", _("工作活动"), order=10),
    sheet=Sheet(
        natural_key=("date", "topic", "township"),
        columns={
            "date": Column(aliases=("活动日期", "时间")),
            "kind": Column(aliases=("活动类型", "类别")),
            "topic": Column(aliases=("活动主题", "内容", "活动内容", "名称")),
            "township": Column(aliases=TOWNSHIP_ALIASES, cell=BY_TOWNSHIP),
            "participants": Column(aliases=("人数", "参加人次", "参训人数")),
            "organiser": Column(aliases=("组织单位", "主办单位")),
        },
        example={
            "date": "2025-05-10",
            "kind": "业务培训",
            "topic": "研发投入统计业务培训",
            "township": "城关街道",
            "participants": "45",
            "organiser": "区科技局",
        },
        year_lookup="date__year",
    ),
)

EXTERNAL_FIGURE = Entity(
    models.ExternalFigure,
    fields=["year", "key", "value", "unit", "source", "as_of"],
    bulk_fields=["year", "source", "as_of"],
    list_columns=["year", "key", "value", "unit", "source", "as_of"],
    filter_fields=["year"],
    search_fields=["key", "source"],
    choices={"key": indicator_keys.external_choices},
    nav=Nav("ledger", _("外部数据"), order=30),
    sheet=Sheet(
        natural_key=("year", "key"),
        columns={
            "key": Column(aliases=("指标名称",)),
            "value": Column(aliases=("数据", "值")),
            "as_of": Column(aliases=("截止日期", "日期")),
        },
        example={
            "year": "2025",
            "key": "hitech_output_city_rank",
            "value": "3",
            "unit": "位",
            "source": "市科技局通报",
            "as_of": "2025-11-30",
        },
        year_lookup="year",
    ),
)

ENTITIES = [
    TOWNSHIP,
    VILLAGE,
    DEPARTMENT,
    INDUSTRY,
    ANNUAL_TARGET,
    WORK_ACTIVITY,
    EXTERNAL_FIGURE,
]
