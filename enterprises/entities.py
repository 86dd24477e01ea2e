"""Enterprises and their records, each declared once (``portal.entities``): pages, API, sidebar,
Excel / CSV columns (see ``imports/README.md``)."""

from django.utils.translation import gettext_lazy as _

from bureau.models import Industry, Village
from enterprises import models, selectors
from portal.entities import (
    BY_TOWNSHIP,
    TOWNSHIP_ALIASES,
    Code,
    Column,
    Entity,
    Extra,
    Lookup,
    Nav,
    Query,
    Sheet,
)

YEAR_ALIASES = ("年份", "年度（年）", "申报年度", "统计年度")
CODE_ALIASES = ("社会信用代码", "信用代码", "统一代码", "纳税人识别号", "企业信用代码")
NAME_ALIASES = ("单位名称", "企业", "名称", "单位", "企业（单位）名称")
CODE_HEADER = _("统一社会信用代码")
NAME_HEADER = _("企业名称")
INDUSTRY_ALIASES = ("产业", "产业链", "所属产业链", "行业", "所属行业")
ABOVE_SCALE_ALIASES = ("是否规上", "规上", "是否规上企业", "规模以上工业企业", "是否规模以上")


def by_credit_code(header=CODE_HEADER, aliases=CODE_ALIASES) -> Column:
    """The column of a field naming an enterprise: its credit code (or, failing that, its exact
    name). Other apps' records name their enterprise the same way."""
    return Column(
        aliases=aliases,
        header=header,
        cell=Lookup(models.Enterprise, keys=("credit_code", "name")),
    )


def enterprise_name(field: str, header=NAME_HEADER, aliases=NAME_ALIASES) -> Extra:
    """The enterprise's name beside its credit code: written on export for people to read, and
    read on import when the code column is missing or its cell blank."""
    return Extra(
        f"{field}_name",
        f"{field}__name",
        header,
        after=field,
        aliases=aliases,
        fallback_for=field,
    )


ENTERPRISE = Entity(
    models.Enterprise,
    fields=[
        "credit_code",
        "name",
        "township",
        "village",
        "industry",
        "is_above_scale",
        "founded_on",
        "legal_representative",
        "contact_person",
        "contact_phone",
        "address",
    ],
    bulk_fields=["township", "village", "industry", "is_above_scale"],
    list_columns=["name", "credit_code", "township", "industry", "is_above_scale", "founded_on"],
    filter_fields=["township", "industry", "is_above_scale"],
    search_fields=["name", "credit_code", "legal_representative"],
    detail_related=[
        ("yearly_figures", _("年度指标")),
        ("hitech_applications", _("高企申报")),
        ("sme_evaluations", _("科小评价")),
        ("intellectual_properties", _("知识产权")),
        ("contracts_sold", _("技术合同")),
        ("platforms", _("创新平台")),
        ("talent_projects", _("人才工程项目")),
        ("rd_coverage", _("研发机构全覆盖")),
    ],
    nav=Nav("innovation", _("企业"), order=10),
    sheet=Sheet(
        natural_key=("credit_code",),
        columns={
            "credit_code": Column(aliases=CODE_ALIASES),
            "name": Column(aliases=("单位名称", "名称", "企业", "单位", "企业（单位）名称")),
            "township": Column(aliases=TOWNSHIP_ALIASES, cell=BY_TOWNSHIP),
            "village": Column(
                aliases=("村", "社区", "村（居）", "所在村"),
                # As the portal shows it ("东山镇 老河村"), by its name within the row's
                # township, or by its 12-digit code.
                cell=Lookup(
                    Village,
                    keys=("code", "township__name+name", "name"),
                    within="township",
                    render_key="township__name+name",
                    related=("township",),
                ),
            ),
            "industry": Column(aliases=INDUSTRY_ALIASES, cell=Lookup(Industry, keys=("name",))),
            "is_above_scale": Column(aliases=ABOVE_SCALE_ALIASES),
            "founded_on": Column(aliases=("成立时间", "注册日期", "成立年月")),
            "legal_representative": Column(aliases=("法人", "法人代表", "法定代表人姓名")),
            "contact_person": Column(aliases=("联系人姓名",)),
            "contact_phone": Column(aliases=("电话", "联系方式", "手机", "联系电话（手机）")),
            "address": Column(aliases=("企业地址", "注册地址", "详细地址")),
        },
        example={
            "credit_code": "91350100M000100Y43",
            "name": "山东某某新材料有限公司",
            "township": "城关街道",
            "village": "",
            "industry": "铝电",
            "is_above_scale": "是",
            "founded_on": "2015-06-18",
            "legal_representative": "张三",
            "contact_person": "李四",
            "contact_phone": "13800000000",
            "address": "城关街道工业路8号",
        },
    ),
    queries={
        "figures_missing": Query(
            _("缺少年度指标的规上企业"),
            selectors.figures_missing,
            selectors.year_choices(_("缺{year}年度指标")),
        ),
        "coverage_missing": Query(
            _("未填研发机构覆盖台账的规上企业"),
            selectors.coverage_missing,
            selectors.year_choices(_("缺{year}年度台账")),
        ),
    },
    follow_up=True,
)

ENTERPRISE_YEARLY_FIGURE = Entity(
    models.EnterpriseYearlyFigure,
    fields=[
        "enterprise",
        "year",
        "staff_total",
        "tech_staff",
        "sales_revenue",
        "total_assets",
        "total_costs",
        "rd_expense",
        "hitech_product_income",
        "industrial_output",
        "hitech_output",
        "is_above_scale",
        "township",
        "industry",
    ],
    bulk_fields=["year", "is_above_scale", "township", "industry"],
    list_columns=[
        "enterprise",
        "year",
        "is_above_scale",
        "township",
        "staff_total",
        "tech_staff",
        "sales_revenue",
        "rd_expense",
        "industrial_output",
        "hitech_output",
    ],
    filter_fields=[
        "year",
        "is_above_scale",
        "township",
        "industry",
        "enterprise__township",
        "enterprise__is_above_scale",
    ],
    search_fields=["enterprise__name", "enterprise__credit_code"],
    nav=Nav("innovation", _("企业年度指标"), order=20),
    sheet=Sheet(
        natural_key=("enterprise", "year"),
        columns={
            "enterprise": by_credit_code(),
            "year": Column(aliases=YEAR_ALIASES),
            "staff_total": Column(aliases=("从业人员", "从业人员数", "职工人数", "年末从业人员")),
            "tech_staff": Column(aliases=("科技人员", "研发人员数", "科技活动人员")),
            "sales_revenue": Column(aliases=("营业收入", "销售收入总额", "主营业务收入")),
            "total_assets": Column(aliases=("资产总计",)),
            "total_costs": Column(aliases=("成本费用",)),
            "rd_expense": Column(aliases=("研发费用总额", "境内研发费用", "研发投入", "R&D经费")),
            "hitech_product_income": Column(aliases=("高新技术产品（服务）收入", "高品收入")),
            "industrial_output": Column(aliases=("工业总产值（当年价）", "总产值")),
            "hitech_output": Column(aliases=("高新技术产业产值（当年价）",)),
            "is_above_scale": Column(aliases=ABOVE_SCALE_ALIASES),
            "township": Column(aliases=TOWNSHIP_ALIASES, cell=BY_TOWNSHIP),
            "industry": Column(aliases=INDUSTRY_ALIASES, cell=Lookup(Industry, keys=("name",))),
        },
        extra=[enterprise_name("enterprise")],
        example={
            "enterprise": "91350100M000100Y43",
            "enterprise_name": "山东某某新材料有限公司",
            "year": "2025",
            "staff_total": "120",
            "tech_staff": "18",
            "sales_revenue": "8500",
            "total_assets": "12000",
            "total_costs": "7600",
            "rd_expense": "420.5",
            "hitech_product_income": "5600",
            "industrial_output": "9100",
            "hitech_output": "6200",
            "is_above_scale": "是",
            "township": "城关街道",
            "industry": "铝电",
        },
        year_lookup="year",
    ),
)

HITECH_APPLICATION = Entity(
    models.HiTechApplication,
    fields=[
        "enterprise",
        "year",
        "kind",
        "tech_field",
        "status",
        "certificate_number",
        "issued_on",
    ],
    bulk_fields=["year", "kind", "tech_field", "status", "issued_on"],
    list_columns=[
        "enterprise",
        "year",
        "kind",
        "tech_field",
        "status",
        "certificate_number",
        "expires_on",
    ],
    filter_fields={
        "year": ["exact"],
        "status": ["exact", "in"],
        "kind": ["exact"],
        "tech_field": ["exact"],
        "enterprise__township": ["exact"],
    },
    search_fields=["enterprise__name", "certificate_number"],
    nav=Nav("innovation", _("高企申报"), order=30),
    sheet=Sheet(
        natural_key=("enterprise", "year"),
        columns={
            "enterprise": by_credit_code(),
            "year": Column(aliases=YEAR_ALIASES),
            "kind": Column(aliases=("类型", "申报类别", "首次/重新认定")),
            "tech_field": Column(aliases=("所属技术领域", "领域", "高新技术领域")),
            "status": Column(aliases=("进度", "申报状态", "认定状态")),
            "certificate_number": Column(aliases=("证书号", "高企证书编号")),
            "issued_on": Column(aliases=("发证时间", "认定日期", "发证日")),
        },
        extra=[
            enterprise_name("enterprise"),
            # Derived from the issue date (valid three years); exported for reading only.
            Extra("expires_on", "expires_on", _("有效期至"), after="issued_on"),
        ],
        example={
            "enterprise": "91350100M000100Y43",
            "enterprise_name": "山东某某新材料有限公司",
            "year": "2025",
            "kind": "首次申报",
            "tech_field": "新材料",
            "status": "已申报",
            "certificate_number": "",
            "issued_on": "",
        },
        year_lookup="year",
    ),
    queries={
        "certificate": Query(
            _("证书到期"), selectors.hitech_certificates_due, selectors.certificate_choices
        ),
    },
    follow_up=True,
)

SME_EVALUATION = Entity(
    models.SmeEvaluation,
    fields=["enterprise", "year", "status", "registration_number", "score"],
    bulk_fields=["year", "status"],
    list_columns=["enterprise", "year", "status", "registration_number", "score"],
    filter_fields=["year", "status", "enterprise__township"],
    search_fields=["enterprise__name", "registration_number"],
    nav=Nav("innovation", _("科小评价"), order=40),
    sheet=Sheet(
        natural_key=("enterprise", "year"),
        columns={
            "enterprise": by_credit_code(),
            "year": Column(aliases=YEAR_ALIASES),
            "status": Column(aliases=("评价状态", "入库状态", "结果")),
            "registration_number": Column(aliases=("入库编号", "登记编号", "科小编号")),
            "score": Column(aliases=("得分", "评价分数", "分数")),
        },
        extra=[enterprise_name("enterprise")],
        example={
            "enterprise": "91350100M000100Y43",
            "enterprise_name": "山东某某新材料有限公司",
            "year": "2025",
            "status": "已入库",
            "registration_number": "202537030201000123",
            "score": "78",
        },
        year_lookup="year",
    ),
    queries={
        "renewal": Query(
            _("待重新入库"),
            selectors.sme_renewals_due,
            selectors.year_choices(_("{year}年尚未重新入库")),
        ),
    },
    follow_up=True,
)

TECH_CONTRACT = Entity(
    models.TechContract,
    fields=[
        "registration_number",
        "title",
        "kind",
        "seller",
        "buyer",
        "contract_amount",
        "tech_amount",
        "signed_on",
        "registered_on",
    ],
    bulk_fields=["kind", "registered_on"],
    list_columns=[
        "registration_number",
        "title",
        "kind",
        "seller",
        "contract_amount",
        "tech_amount",
        "registered_on",
    ],
    filter_fields={
        "kind": ["exact"],
        "seller__township": ["exact"],
        "registered_on": ["year", "month"],
    },
    search_fields=["registration_number", "title", "seller__name", "buyer"],
    nav=Nav("innovation", _("技术合同"), order=50),
    sheet=Sheet(
        natural_key=("registration_number",),
        columns={
            "registration_number": Column(aliases=("合同登记编号", "登记号", "合同编号")),
            "title": Column(aliases=("项目名称", "合同项目名称")),
            "kind": Column(aliases=("合同类别", "技术合同类型")),
            "seller": by_credit_code(
                _("卖方统一社会信用代码"), ("卖方信用代码", "卖方社会信用代码", "卖方代码")
            ),
            "buyer": Column(aliases=("买方名称", "买方单位")),
            "contract_amount": Column(aliases=("合同成交额", "合同金额", "成交金额")),
            "tech_amount": Column(aliases=("技术交易金额", "技术性收入")),
            "signed_on": Column(aliases=("签订时间", "签约日期")),
            "registered_on": Column(aliases=("登记时间", "认定登记日期")),
        },
        extra=[enterprise_name("seller", _("卖方企业"), ("卖方", "卖方名称", "卖方单位"))],
        example={
            "registration_number": "25370302000123",
            "title": "铝合金轮毂轻量化技术开发",
            "kind": "技术开发",
            "seller": "91350100M000100Y43",
            "seller_name": "山东某某新材料有限公司",
            "buyer": "某某汽车零部件有限公司",
            "contract_amount": "260",
            "tech_amount": "230",
            "signed_on": "2025-03-01",
            "registered_on": "2025-03-15",
        },
        year_lookup="registered_on__year",
    ),
)

INNOVATION_COMMUNITY = Entity(
    models.InnovationCommunity,
    fields=[
        "name",
        "year",
        "lead_enterprise",
        "industry",
        "member_enterprises",
        "member_units",
        "status",
    ],
    bulk_fields=["year", "industry", "status"],
    list_columns=["name", "year", "lead_enterprise", "industry", "status"],
    filter_fields={
        "year": ["exact"],
        "status": ["exact", "in"],
        "industry": ["exact"],
        "lead_enterprise__township": ["exact"],
    },
    search_fields=["name", "lead_enterprise__name", "member_units"],
    nav=Nav("innovation", _("创新创业共同体"), order=60),
    sheet=Sheet(
        natural_key=("name", "year"),
        columns={
            "name": Column(aliases=("名称", "共同体")),
            "year": Column(aliases=YEAR_ALIASES),
            "lead_enterprise": by_credit_code(
                _("牵头企业统一社会信用代码"), ("牵头企业信用代码", "牵头单位信用代码")
            ),
            "industry": Column(
                aliases=("产业", "所属产业链"), cell=Lookup(Industry, keys=("name",))
            ),
            "member_enterprises": Column(
                aliases=("成员单位（企业）",),
                cell=Lookup(models.Enterprise, keys=("credit_code", "name"), render_key="name"),
            ),
            "member_units": Column(aliases=("成员单位", "高校院所")),
        },
        extra=[
            enterprise_name("lead_enterprise", _("牵头企业"), ("牵头单位", "牵头企业名称")),
        ],
        example={
            "name": "汽车零部件创新创业共同体",
            "year": "2025",
            "lead_enterprise": "91350100M000100Y43",
            "lead_enterprise_name": "山东某某新材料有限公司",
            "industry": "汽车零部件",
            "member_enterprises": "",
            "member_units": "某某大学",
            "status": "已申报",
        },
        year_lookup="year",
        # Many-to-many members: saved row by row through the write service.
        row_by_row=True,
    ),
)

INTELLECTUAL_PROPERTY = Entity(
    models.IntellectualProperty,
    fields=[
        "enterprise",
        "kind",
        "number",
        "title",
        "granted_on",
        "valid_until",
        "status",
        "lapsed_on",
    ],
    bulk_fields=["kind", "status", "valid_until", "lapsed_on"],
    list_columns=["number", "title", "kind", "enterprise", "granted_on", "valid_until", "status"],
    filter_fields={
        "kind": ["exact", "in"],
        "status": ["exact"],
        "enterprise__township": ["exact"],
        "granted_on": ["year"],
    },
    search_fields=["number", "title", "enterprise__name", "enterprise__credit_code"],
    nav=Nav("innovation", _("知识产权"), order=45),
    sheet=Sheet(
        natural_key=("number",),
        columns={
            "enterprise": by_credit_code(),
            "kind": Column(aliases=("类型", "知识产权类别", "专利类型", "类别")),
            "number": Column(
                aliases=("专利号", "登记号", "申请号", "证书号", "编号"), cell=Code(max_length=40)
            ),
            "title": Column(aliases=("专利名称", "作品名称", "品种名称", "题目")),
            "granted_on": Column(aliases=("授权日", "授权公告日", "登记日期", "发证日期")),
            "valid_until": Column(aliases=("有效期", "届满日期", "保护期至")),
            "status": Column(aliases=("法律状态", "知识产权状态")),
            "lapsed_on": Column(aliases=("失效日期", "转让日期", "终止日期")),
        },
        extra=[enterprise_name("enterprise")],
        example={
            "enterprise": "91350100M000100Y43",
            "enterprise_name": "山东某某新材料有限公司",
            "kind": "发明专利（含国防专利）",
            "number": "ZL202510000001.X",
            "title": "一种高强铝合金的制备方法",
            "granted_on": "2025-03-18",
            "valid_until": "2045-03-17",
            "status": "有效",
            "lapsed_on": "",
        },
        year_lookup="granted_on__year",
    ),
)

ENTITIES = [
    ENTERPRISE,
    ENTERPRISE_YEARLY_FIGURE,
    HITECH_APPLICATION,
    SME_EVALUATION,
    INTELLECTUAL_PROPERTY,
    TECH_CONTRACT,
    INNOVATION_COMMUNITY,
]
