from enterprises import models
from portal.crud import CrudViewSet


class EnterpriseViewSet(CrudViewSet):
    model = models.Enterprise
    fields = [
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
    ]
    list_columns = ["name", "credit_code", "township", "industry", "is_above_scale", "founded_on"]
    filter_fields = ["township", "industry", "is_above_scale"]
    search_fields = ["name", "credit_code", "legal_representative"]
    detail_related = [
        ("yearly_figures", "年度指标"),
        ("hitech_applications", "高企申报"),
        ("sme_evaluations", "科小评价"),
        ("contracts_sold", "技术合同"),
        ("platforms", "创新平台"),
        ("talent_projects", "人才工程项目"),
        ("rd_coverage", "研发机构全覆盖"),
    ]


class EnterpriseYearlyFigureViewSet(CrudViewSet):
    model = models.EnterpriseYearlyFigure
    fields = [
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
    ]
    list_columns = [
        "enterprise",
        "year",
        "staff_total",
        "tech_staff",
        "sales_revenue",
        "rd_expense",
        "industrial_output",
        "hitech_output",
    ]
    filter_fields = ["year", "enterprise__township", "enterprise__is_above_scale"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]


class HiTechApplicationViewSet(CrudViewSet):
    model = models.HiTechApplication
    fields = [
        "enterprise",
        "year",
        "kind",
        "tech_field",
        "status",
        "certificate_number",
        "issued_on",
    ]
    list_columns = [
        "enterprise",
        "year",
        "kind",
        "tech_field",
        "status",
        "certificate_number",
        "expires_on",
    ]
    filter_fields = {
        "year": ["exact"],
        "status": ["exact", "in"],
        "kind": ["exact"],
        "tech_field": ["exact"],
        "enterprise__township": ["exact"],
    }
    search_fields = ["enterprise__name", "certificate_number"]


class SmeEvaluationViewSet(CrudViewSet):
    model = models.SmeEvaluation
    fields = ["enterprise", "year", "status", "registration_number", "score"]
    list_columns = ["enterprise", "year", "status", "registration_number", "score"]
    filter_fields = ["year", "status", "enterprise__township"]
    search_fields = ["enterprise__name", "registration_number"]


class TechContractViewSet(CrudViewSet):
    model = models.TechContract
    fields = [
        "registration_number",
        "title",
        "kind",
        "seller",
        "buyer",
        "contract_amount",
        "tech_amount",
        "signed_on",
        "registered_on",
    ]
    list_columns = [
        "registration_number",
        "title",
        "kind",
        "seller",
        "contract_amount",
        "tech_amount",
        "registered_on",
    ]
    filter_fields = {
        "kind": ["exact"],
        "seller__township": ["exact"],
        "registered_on": ["year", "month"],
    }
    search_fields = ["registration_number", "title", "seller__name", "buyer"]


class InnovationCommunityViewSet(CrudViewSet):
    model = models.InnovationCommunity
    fields = [
        "name",
        "year",
        "lead_enterprise",
        "industry",
        "member_enterprises",
        "member_units",
        "status",
    ]
    list_columns = ["name", "year", "lead_enterprise", "industry", "status"]
    filter_fields = {
        "year": ["exact"],
        "status": ["exact", "in"],
        "industry": ["exact"],
        "lead_enterprise__township": ["exact"],
    }
    search_fields = ["name", "lead_enterprise__name", "member_units"]


VIEWSETS = [
    EnterpriseViewSet(),
    EnterpriseYearlyFigureViewSet(),
    HiTechApplicationViewSet(),
    SmeEvaluationViewSet(),
    TechContractViewSet(),
    InnovationCommunityViewSet(),
]
