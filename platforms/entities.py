"""Innovation platforms and the R&D-institution coverage campaign, each declared once
(``portal.entities``): pages, API, sidebar, Excel / CSV columns (see ``imports/README.md``)."""

from django.utils.translation import gettext_lazy as _

from enterprises.entities import by_credit_code, enterprise_name
from platforms import models
from portal.entities import BY_TOWNSHIP, TOWNSHIP_ALIASES, Column, Entity, Nav, Sheet

PLATFORM = Entity(
    models.Platform,
    fields=[
        "name",
        "kind",
        "level",
        "host",
        "status",
        "year",
        "document_number",
        "recognised_on",
        "upgraded",
    ],
    bulk_fields=["kind", "level", "status", "year", "upgraded"],
    list_columns=["name", "kind", "level", "host", "status", "year", "upgraded"],
    filter_fields={
        "year": ["exact"],
        "kind": ["exact"],
        "level": ["exact", "in"],
        "status": ["exact", "in"],
        "upgraded": ["exact"],
        "host__township": ["exact"],
    },
    search_fields=["name", "host__name", "document_number"],
    nav=Nav("platforms", _("创新平台"), order=10),
    sheet=Sheet(
        natural_key=("name", "kind", "level", "year"),
        columns={
            "name": Column(aliases=("名称", "载体名称", "平台")),
            "kind": Column(aliases=("平台类型", "类别", "载体类型")),
            "level": Column(aliases=("平台级别", "层级")),
            "host": by_credit_code(
                _("依托单位统一社会信用代码"), ("依托单位信用代码", "依托企业信用代码")
            ),
            "status": Column(aliases=("进度", "认定状态")),
            "year": Column(aliases=("年份", "申报年度")),
            "document_number": Column(aliases=("认定文号", "发文字号", "备案文号")),
            "recognised_on": Column(aliases=("认定日期", "公布日期", "备案日期")),
            "upgraded": Column(aliases=("提质升级", "是否提质升级")),
        },
        extra=[
            enterprise_name(
                "host", _("依托单位"), ("依托企业", "依托单位名称", "运营主体", "单位名称")
            ),
        ],
        example={
            "name": "正泰科创众创空间",
            "kind": "众创空间",
            "level": "省级",
            "host": "91350100M000100Y43",
            "host_name": "山东某某新材料有限公司",
            "status": "申报",
            "year": "2025",
            "document_number": "",
            "recognised_on": "",
            "upgraded": "否",
        },
        year_lookup="year",
    ),
    follow_up=True,
)

RD_COVERAGE = Entity(
    models.RdCoverage,
    fields=[
        "enterprise",
        "year",
        "has_institution",
        "institution_name",
        "institution_type",
        "level",
        "established_on",
    ],
    bulk_fields=["year", "has_institution", "institution_type", "level"],
    list_columns=[
        "enterprise",
        "year",
        "has_institution",
        "institution_name",
        "institution_type",
        "level",
    ],
    list_select_related=["enterprise__township"],
    filter_fields=[
        "year",
        "has_institution",
        "enterprise__township",
        "enterprise__is_above_scale",
        "institution_type",
    ],
    search_fields=["enterprise__name", "institution_name"],
    nav=Nav("platforms", _("研发机构全覆盖"), order=20),
    sheet=Sheet(
        natural_key=("enterprise", "year"),
        columns={
            "enterprise": by_credit_code(),
            "year": Column(aliases=("年份",)),
            "has_institution": Column(
                aliases=("是否建立研发机构", "有无研发机构", "已建研发机构（是/否）")
            ),
            "institution_name": Column(aliases=("机构名称", "研发机构")),
            "institution_type": Column(aliases=("研发机构类型", "类型")),
            "level": Column(aliases=("机构级别",)),
            "established_on": Column(aliases=("成立日期", "建立时间")),
        },
        extra=[enterprise_name("enterprise")],
        example={
            "enterprise": "91350100M000100Y43",
            "enterprise_name": "山东某某新材料有限公司",
            "year": "2025",
            "has_institution": "是",
            "institution_name": "山东某某新材料有限公司研发中心",
            "institution_type": "企业研发中心",
            "level": "区级",
            "established_on": "2025-04-20",
        },
        year_lookup="year",
    ),
)

COVERAGE_MILESTONE = Entity(
    models.CoverageMilestone,
    fields=[
        "year",
        "date",
        "kind",
        "title",
        "participants",
        "key_enterprises",
        "document",
        "township",
    ],
    bulk_fields=["year", "kind", "township"],
    list_columns=["title", "year", "date", "kind", "participants"],
    filter_fields=["year", "kind"],
    search_fields=["title", "document"],
    nav=Nav("platforms", _("全覆盖工作节点"), order=30),
    sheet=Sheet(
        natural_key=("date", "title"),
        columns={
            "year": Column(aliases=("年份",)),
            "date": Column(aliases=("时间",)),
            "kind": Column(aliases=("节点类型", "类别")),
            "title": Column(aliases=("名称", "工作事项", "内容")),
            "participants": Column(aliases=("参会范围", "参加人员")),
            "key_enterprises": Column(aliases=("重点企业数", "参会企业数")),
            "document": Column(aliases=("文件", "相关文件")),
            "township": Column(aliases=TOWNSHIP_ALIASES, cell=BY_TOWNSHIP),
        },
        example={
            "year": "2025",
            "date": "2025-03-12",
            "kind": "动员会议",
            "title": "规上工业企业研发机构全覆盖动员会议",
            "participants": "区直有关部门、各乡镇（街道）",
            "key_enterprises": "30",
            "document": "",
            "township": "",
        },
        year_lookup="year",
    ),
)

ENTITIES = [PLATFORM, RD_COVERAGE, COVERAGE_MILESTONE]
