"""Import/export column mapping of talent records (see ``imports/README.md``)."""

from imports.engine import widgets as w
from imports.engine.resources import (
    BureauResource,
    Column,
    enterprise_code_column,
    enterprise_name_column,
    form_columns,
)
from talents import models, views


class TalentProjectResource(BureauResource):
    enterprise = enterprise_code_column("enterprise")
    enterprise_name = enterprise_name_column(
        "enterprise", "申报企业", ("企业名称", "申报单位", "企业", "单位名称")
    )
    aliases = {
        "programme": ("人才工程", "工程类别", "人才工程类别", "项目类别", "类别"),
        "year": ("年度", "年份"),
        "candidate": ("人选姓名", "姓名", "申报人", "候选人"),
        "title": ("项目", "申报项目名称"),
    }
    example = {
        "programme": "泰山产业领军人才工程·传统产业创新类",
        "year": "2025",
        "enterprise": "91350100M000100Y43",
        "enterprise_name": "山东某某新材料有限公司",
        "candidate": "王五",
        "title": "高性能铝合金材料研发及产业化",
    }
    year_lookup = "year"

    class Meta:
        model = models.TalentProject
        fields = form_columns(
            views.TalentProjectViewSet, after={"enterprise": ("enterprise_name",)}
        )
        import_id_fields = ("programme", "year", "enterprise", "candidate")


class TalentStageResource(BureauResource):
    aliases = {
        "project": ("项目", "人选", "人选（企业）"),
        "step": ("评审环节", "阶段"),
        "date": ("时间", "环节日期"),
        "result": ("评审结果", "状态"),
    }
    cell_widgets = {
        "project": w.LookupWidget(
            models.TalentProject,
            keys=("__str__", "candidate"),
            render_key="__str__",
            related=("enterprise",),
        )
    }
    example = {
        "project": "王五（山东某某新材料有限公司）",
        "step": "区推荐",
        "date": "2025-03-01",
        "result": "通过",
        "note": "",
    }
    year_lookup = "project__year"
    # A stage's clean() reads the project's other stages, including those earlier in the file.
    row_by_row = True

    class Meta:
        model = models.TalentStage
        fields = form_columns(views.TalentStageViewSet)
        import_id_fields = ("project", "step")


class ForeignExpertResource(BureauResource):
    employer = enterprise_code_column(
        "employer", "聘用单位统一社会信用代码", ("聘用单位信用代码", "用人单位信用代码")
    )
    employer_name = enterprise_name_column(
        "employer", "聘用单位", ("用人单位", "工作单位", "聘用单位名称")
    )
    aliases = {
        "name": ("外国专家", "专家姓名", "英文姓名"),
        "nationality": ("国家", "国别", "国家（地区）"),
        "passport_number": ("护照号", "护照", "证件号码"),
        "specialty": ("专业", "专长", "领域"),
    }
    cell_widgets = {"passport_number": w.CodeWidget(max_length=30)}
    example = {
        "name": "John Smith",
        "nationality": "英国",
        "passport_number": "P12345678",
        "employer": "91350100M000100Y43",
        "employer_name": "山东某某新材料有限公司",
        "specialty": "材料科学",
    }

    class Meta:
        model = models.ForeignExpert
        fields = form_columns(views.ForeignExpertViewSet, after={"employer": ("employer_name",)})
        import_id_fields = ("passport_number",)


class WorkPermitResource(BureauResource):
    expert = Column(
        "expert",
        "护照号码",
        w.LookupWidget(models.ForeignExpert, keys=("passport_number", "name")),
        aliases=("护照号", "外国专家护照号码", "证件号码"),
    )
    expert_name = Column(
        "expert__name", "外国专家", aliases=("姓名", "专家姓名"), fallback_for="expert"
    )
    aliases = {
        "permit_number": ("许可证编号", "工作许可证号", "证号"),
        "category": ("人员类别", "类型"),
        "business": ("业务类别", "办理类型"),
        "issued_on": ("办理时间", "发证日期"),
        "valid_from": ("有效期开始", "起始日期"),
        "valid_to": ("有效期至", "有效期截止", "截止日期"),
    }
    cell_widgets = {"permit_number": w.CodeWidget(max_length=30)}
    example = {
        "expert": "P12345678",
        "expert_name": "John Smith",
        "permit_number": "370302202500123",
        "category": "B类（专业人才）",
        "business": "新办",
        "issued_on": "2025-04-01",
        "valid_from": "2025-04-01",
        "valid_to": "2026-03-31",
    }
    year_lookup = "issued_on__year"

    class Meta:
        model = models.WorkPermit
        fields = form_columns(views.WorkPermitViewSet, after={"expert": ("expert_name",)})
        import_id_fields = ("permit_number",)


class IntroProjectResource(BureauResource):
    host = enterprise_code_column(
        "host", "承担单位统一社会信用代码", ("承担单位信用代码", "依托单位信用代码")
    )
    host_name = enterprise_name_column("host", "承担单位", ("承担单位名称", "依托单位", "单位"))
    aliases = {
        "title": ("项目", "引智项目名称"),
        "experts": ("外国专家（已登记）", "专家护照号码"),
        "expert_names": ("专家", "合作外国专家"),
        "year": ("年份", "申报年度"),
        "status": ("项目状态",),
    }
    cell_widgets = {
        "experts": w.ManyLookupWidget(
            models.ForeignExpert, keys=("passport_number", "name"), render_key="passport_number"
        )
    }
    example = {
        "title": "草莓新品种引进及高效种植技术研发",
        "host": "91350100M000100Y43",
        "host_name": "山东某某新材料有限公司",
        "experts": "",
        "expert_names": "Jan de Vries（荷兰）",
        "year": "2025",
        "status": "已申报",
    }
    year_lookup = "year"
    row_by_row = True

    class Meta:
        model = models.IntroProject
        fields = form_columns(views.IntroProjectViewSet, after={"host": ("host_name",)})
        import_id_fields = ("title", "year")


RESOURCES = [
    TalentProjectResource,
    TalentStageResource,
    ForeignExpertResource,
    WorkPermitResource,
    IntroProjectResource,
]
