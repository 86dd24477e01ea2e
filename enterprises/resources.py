"""Import/export column mapping of enterprises and their records (see ``imports/README.md``)."""

from bureau.models import Industry, Village
from bureau.pages.resources import TOWNSHIP_ALIASES, township_lookup
from enterprises import models, views
from imports.engine import widgets as w
from imports.engine.resources import (
    BureauResource,
    Column,
    enterprise_code_column,
    enterprise_name_column,
    form_columns,
)

YEAR_ALIASES = ("年份", "年度（年）", "申报年度", "统计年度")


class EnterpriseResource(BureauResource):
    aliases = {
        "credit_code": ("社会信用代码", "信用代码", "统一代码", "纳税人识别号", "企业信用代码"),
        "name": ("单位名称", "名称", "企业", "单位", "企业（单位）名称"),
        "township": TOWNSHIP_ALIASES,
        "village": ("村", "社区", "村（居）", "所在村"),
        "industry": ("产业", "产业链", "所属产业链", "行业", "所属行业"),
        "is_above_scale": ("是否规上", "规上", "是否规上企业", "规模以上工业企业", "是否规模以上"),
        "founded_on": ("成立时间", "注册日期", "成立年月"),
        "legal_representative": ("法人", "法人代表", "法定代表人姓名"),
        "contact_person": ("联系人姓名",),
        "contact_phone": ("电话", "联系方式", "手机", "联系电话（手机）"),
        "address": ("企业地址", "注册地址", "详细地址"),
    }
    cell_widgets = {
        "township": township_lookup(),
        "village": w.LookupWidget(Village, keys=("code", "name"), within="township"),
        "industry": w.LookupWidget(Industry, keys=("name",)),
    }
    example = {
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
    }

    class Meta:
        model = models.Enterprise
        fields = form_columns(views.EnterpriseViewSet)
        import_id_fields = ("credit_code",)


class EnterpriseYearlyFigureResource(BureauResource):
    enterprise = enterprise_code_column("enterprise")
    enterprise_name = enterprise_name_column("enterprise")
    aliases = {
        "year": YEAR_ALIASES,
        "staff_total": ("从业人员", "从业人员数", "职工人数", "年末从业人员"),
        "tech_staff": ("科技人员", "研发人员数", "科技活动人员"),
        "sales_revenue": ("营业收入", "销售收入总额", "主营业务收入"),
        "total_assets": ("资产总计",),
        "total_costs": ("成本费用",),
        "rd_expense": ("研发费用总额", "境内研发费用", "研发投入", "R&D经费"),
        "hitech_product_income": ("高新技术产品（服务）收入", "高品收入"),
        "industrial_output": ("工业总产值（当年价）", "总产值"),
        "hitech_output": ("高新技术产业产值（当年价）",),
    }
    example = {
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
    }
    year_lookup = "year"

    class Meta:
        model = models.EnterpriseYearlyFigure
        fields = form_columns(
            views.EnterpriseYearlyFigureViewSet, after={"enterprise": ("enterprise_name",)}
        )
        import_id_fields = ("enterprise", "year")


class HiTechApplicationResource(BureauResource):
    enterprise = enterprise_code_column("enterprise")
    enterprise_name = enterprise_name_column("enterprise")
    # Derived from the issue date (valid three years); exported for reading, ignored on import.
    expires_on = Column("expires_on", "有效期至", w.DateWidget(), readonly=True)
    aliases = {
        "year": YEAR_ALIASES,
        "kind": ("类型", "申报类别", "首次/重新认定"),
        "tech_field": ("所属技术领域", "领域", "高新技术领域"),
        "status": ("进度", "申报状态", "认定状态"),
        "certificate_number": ("证书号", "高企证书编号"),
        "issued_on": ("发证时间", "认定日期", "发证日"),
    }
    example = {
        "enterprise": "91350100M000100Y43",
        "enterprise_name": "山东某某新材料有限公司",
        "year": "2025",
        "kind": "首次申报",
        "tech_field": "新材料",
        "status": "已申报",
        "certificate_number": "",
        "issued_on": "",
    }
    year_lookup = "year"

    class Meta:
        model = models.HiTechApplication
        fields = form_columns(
            views.HiTechApplicationViewSet,
            after={"enterprise": ("enterprise_name",), "issued_on": ("expires_on",)},
        )
        import_id_fields = ("enterprise", "year")


class SmeEvaluationResource(BureauResource):
    enterprise = enterprise_code_column("enterprise")
    enterprise_name = enterprise_name_column("enterprise")
    aliases = {
        "year": YEAR_ALIASES,
        "status": ("评价状态", "入库状态", "结果"),
        "registration_number": ("入库编号", "登记编号", "科小编号"),
        "score": ("得分", "评价分数", "分数"),
    }
    example = {
        "enterprise": "91350100M000100Y43",
        "enterprise_name": "山东某某新材料有限公司",
        "year": "2025",
        "status": "已入库",
        "registration_number": "202537030201000123",
        "score": "78",
    }
    year_lookup = "year"

    class Meta:
        model = models.SmeEvaluation
        fields = form_columns(
            views.SmeEvaluationViewSet, after={"enterprise": ("enterprise_name",)}
        )
        import_id_fields = ("enterprise", "year")


class TechContractResource(BureauResource):
    seller = enterprise_code_column(
        "seller", "卖方统一社会信用代码", ("卖方信用代码", "卖方社会信用代码", "卖方代码")
    )
    seller_name = enterprise_name_column("seller", "卖方企业", ("卖方", "卖方名称", "卖方单位"))
    aliases = {
        "registration_number": ("合同登记编号", "登记号", "合同编号"),
        "title": ("项目名称", "合同项目名称"),
        "kind": ("合同类别", "技术合同类型"),
        "buyer": ("买方名称", "买方单位"),
        "contract_amount": ("合同成交额", "合同金额", "成交金额"),
        "tech_amount": ("技术交易金额", "技术性收入"),
        "signed_on": ("签订时间", "签约日期"),
        "registered_on": ("登记时间", "认定登记日期"),
    }
    example = {
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
    }
    year_lookup = "registered_on__year"

    class Meta:
        model = models.TechContract
        fields = form_columns(views.TechContractViewSet, after={"seller": ("seller_name",)})
        import_id_fields = ("registration_number",)


class InnovationCommunityResource(BureauResource):
    lead_enterprise = enterprise_code_column(
        "lead_enterprise", "牵头企业统一社会信用代码", ("牵头企业信用代码", "牵头单位信用代码")
    )
    lead_enterprise_name = enterprise_name_column(
        "lead_enterprise", "牵头企业", ("牵头单位", "牵头企业名称")
    )
    aliases = {
        "name": ("名称", "共同体"),
        "year": YEAR_ALIASES,
        "industry": ("产业", "所属产业链"),
        "member_enterprises": ("成员单位（企业）",),
        "member_units": ("成员单位", "高校院所"),
    }
    cell_widgets = {
        "industry": w.LookupWidget(Industry, keys=("name",)),
        "member_enterprises": w.ManyLookupWidget(
            models.Enterprise, keys=("credit_code", "name"), render_key="name"
        ),
    }
    example = {
        "name": "汽车零部件创新创业共同体",
        "year": "2025",
        "lead_enterprise": "91350100M000100Y43",
        "lead_enterprise_name": "山东某某新材料有限公司",
        "industry": "汽车零部件",
        "member_enterprises": "",
        "member_units": "某某大学",
        "status": "已申报",
    }
    year_lookup = "year"
    row_by_row = True

    class Meta:
        model = models.InnovationCommunity
        fields = form_columns(
            views.InnovationCommunityViewSet, after={"lead_enterprise": ("lead_enterprise_name",)}
        )
        import_id_fields = ("name", "year")


RESOURCES = [
    EnterpriseResource,
    EnterpriseYearlyFigureResource,
    HiTechApplicationResource,
    SmeEvaluationResource,
    TechContractResource,
    InnovationCommunityResource,
]
