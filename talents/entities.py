"""Talent projects, their stages, foreign experts, work permits and 引智 projects, each declared
once (``portal.entities``): pages, API, sidebar, Excel / CSV columns (see
``imports/README.md``)."""

from django.utils.translation import gettext_lazy as _

from enterprises.entities import by_credit_code, enterprise_name
from portal.entities import Code, Column, Entity, Extra, Lookup, Nav, Query, Sheet
from talents import models, selectors

TALENT_PROJECT = Entity(
    models.TalentProject,
    fields=["programme", "year", "enterprise", "candidate", "title"],
    bulk_fields=["programme", "year"],
    list_columns=["candidate", "programme", "year", "enterprise", "title"],
    filter_fields=["year", "programme", "enterprise__township", "stages__step"],
    search_fields=["candidate", "title", "enterprise__name"],
    detail_related=[("stages", _("评审环节"))],
    nav=Nav("talents", _("人才工程项目"), order=10),
    sheet=Sheet(
        natural_key=("programme", "year", "enterprise", "candidate"),
        columns={
            "programme": Column(
                aliases=("人才工程", "工程类别", "人才工程类别", "项目类别", "类别")
            ),
            "year": Column(aliases=("年度", "年份")),
            "enterprise": by_credit_code(),
            "candidate": Column(aliases=("人选姓名", "姓名", "申报人", "候选人")),
            "title": Column(aliases=("项目", "申报项目名称")),
        },
        extra=[
            enterprise_name(
                "enterprise", _("申报企业"), ("企业名称", "申报单位", "企业", "单位名称")
            ),
        ],
        example={
            "programme": "泰山产业领军人才工程·传统产业创新类",
            "year": "2025",
            "enterprise": "91350100M000100Y43",
            "enterprise_name": "山东某某新材料有限公司",
            "candidate": "王五",
            "title": "高性能铝合金材料研发及产业化",
        },
        year_lookup="year",
    ),
    queries={
        "waiting": Query(
            _("待办理"), selectors.projects_waiting, (("1", _("当前环节进行中或尚未推荐")),)
        ),
    },
    follow_up=True,
)

TALENT_STAGE = Entity(
    models.TalentStage,
    fields=["project", "step", "date", "result", "note"],
    bulk_fields=["result", "date", "step"],
    list_columns=["project", "step", "date", "result", "note"],
    list_select_related=["project__enterprise"],
    filter_fields=[
        "step",
        "result",
        "project__year",
        "project__programme",
        "project__enterprise__township",
    ],
    search_fields=["project__candidate", "project__enterprise__name", "note"],
    sheet=Sheet(
        natural_key=("project", "step"),
        columns={
            "project": Column(
                aliases=("项目", "人选", "人选（企业）"),
                cell=Lookup(
                    models.TalentProject,
                    keys=("__str__", "candidate"),
                    render_key="__str__",
                    related=("enterprise",),
                ),
            ),
            "step": Column(aliases=("评审环节", "阶段")),
            "date": Column(aliases=("时间", "环节日期")),
            "result": Column(aliases=("评审结果", "状态")),
        },
        example={
            "project": "王五（山东某某新材料有限公司）",
            "step": "区推荐",
            "date": "2025-03-01",
            "result": "通过",
            "note": "",
        },
        year_lookup="project__year",
        # A stage's clean() reads the project's other stages, including those earlier in the
        # file.
        row_by_row=True,
    ),
)

FOREIGN_EXPERT = Entity(
    models.ForeignExpert,
    fields=["name", "nationality", "passport_number", "employer", "specialty"],
    bulk_fields=["nationality", "employer"],
    list_columns=["name", "nationality", "employer", "specialty"],
    filter_fields=["nationality", "employer__township"],
    search_fields=["name", "passport_number", "employer__name"],
    detail_related=[("permits", _("工作许可"))],
    nav=Nav("talents", _("外国专家"), order=30),
    sheet=Sheet(
        natural_key=("passport_number",),
        columns={
            "name": Column(aliases=("外国专家", "专家姓名", "英文姓名")),
            "nationality": Column(aliases=("国家", "国别", "国家（地区）")),
            "passport_number": Column(
                aliases=("护照号", "护照", "证件号码"), cell=Code(max_length=30)
            ),
            "employer": by_credit_code(
                _("聘用单位统一社会信用代码"), ("聘用单位信用代码", "用人单位信用代码")
            ),
            "specialty": Column(aliases=("专业", "专长", "领域")),
        },
        extra=[
            enterprise_name("employer", _("聘用单位"), ("用人单位", "工作单位", "聘用单位名称")),
        ],
        example={
            "name": "John Smith",
            "nationality": "英国",
            "passport_number": "P12345678",
            "employer": "91350100M000100Y43",
            "employer_name": "山东某某新材料有限公司",
            "specialty": "材料科学",
        },
    ),
)

WORK_PERMIT = Entity(
    models.WorkPermit,
    fields=[
        "expert",
        "permit_number",
        "category",
        "business",
        "issued_on",
        "valid_from",
        "valid_to",
    ],
    bulk_fields=["category", "business", "valid_to"],
    list_columns=["permit_number", "expert", "category", "business", "issued_on", "valid_to"],
    list_select_related=["expert__employer"],
    filter_fields={
        "category": ["exact"],
        "business": ["exact"],
        "expert__employer__township": ["exact"],
        "issued_on": ["year"],
    },
    search_fields=["permit_number", "expert__name", "expert__employer__name"],
    nav=Nav("talents", _("外国专家与工作许可"), order=20),
    sheet=Sheet(
        natural_key=("permit_number",),
        columns={
            # The expert by passport number (or, failing that, by exact name).
            "expert": Column(
                aliases=("护照号", "外国专家护照号码", "证件号码"),
                header=_("护照号码"),
                cell=Lookup(models.ForeignExpert, keys=("passport_number", "name")),
            ),
            "permit_number": Column(
                aliases=("许可证编号", "工作许可证号", "证号"), cell=Code(max_length=30)
            ),
            "category": Column(aliases=("人员类别", "类型")),
            "business": Column(aliases=("业务类别", "办理类型")),
            "issued_on": Column(aliases=("办理时间", "发证日期")),
            "valid_from": Column(aliases=("有效期开始", "起始日期")),
            "valid_to": Column(aliases=("有效期至", "有效期截止", "截止日期")),
        },
        extra=[
            Extra(
                "expert_name",
                "expert__name",
                _("外国专家"),
                after="expert",
                aliases=("姓名", "专家姓名"),
                fallback_for="expert",
            ),
        ],
        example={
            "expert": "P12345678",
            "expert_name": "John Smith",
            "permit_number": "370302202500123",
            "category": "B类（专业人才）",
            "business": "新办",
            "issued_on": "2025-04-01",
            "valid_from": "2025-04-01",
            "valid_to": "2026-03-31",
        },
        year_lookup="issued_on__year",
    ),
)

INTRO_PROJECT = Entity(
    models.IntroProject,
    fields=["title", "host", "experts", "expert_names", "year", "status"],
    bulk_fields=["year", "status"],
    list_columns=["title", "host", "year", "status", "expert_names"],
    filter_fields=["year", "status", "host__township"],
    search_fields=["title", "host__name", "expert_names"],
    nav=Nav("talents", _("引智项目"), order=40),
    sheet=Sheet(
        natural_key=("title", "year"),
        columns={
            "title": Column(aliases=("项目", "引智项目名称")),
            "host": by_credit_code(
                _("承担单位统一社会信用代码"), ("承担单位信用代码", "依托单位信用代码")
            ),
            "experts": Column(
                aliases=("外国专家（已登记）", "专家护照号码"),
                cell=Lookup(
                    models.ForeignExpert,
                    keys=("passport_number", "name"),
                    render_key="passport_number",
                ),
            ),
            "expert_names": Column(aliases=("专家", "合作外国专家")),
            "year": Column(aliases=("年份", "申报年度")),
            "status": Column(aliases=("项目状态",)),
        },
        extra=[enterprise_name("host", _("承担单位"), ("承担单位名称", "依托单位", "单位"))],
        example={
            "title": "草莓新品种引进及高效种植技术研发",
            "host": "91350100M000100Y43",
            "host_name": "山东某某新材料有限公司",
            "experts": "",
            "expert_names": "Jan de Vries（荷兰）",
            "year": "2025",
            "status": "已申报",
        },
        year_lookup="year",
        row_by_row=True,
    ),
)

ENTITIES = [TALENT_PROJECT, TALENT_STAGE, FOREIGN_EXPERT, WORK_PERMIT, INTRO_PROJECT]
